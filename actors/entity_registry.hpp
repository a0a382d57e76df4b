// Which aggregate types this node can host.
#pragma once

#include "actors/entity.hpp"
#include "actors/entity_environment.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "caf/actor.hpp"
#include "caf/local_actor.hpp"

namespace mall::actors {

/// Spawns one entity actor with id `id` from what it recovers from, linked
/// to `parent` (its shard).
using entity_spawner = caf::actor (*)(caf::local_actor* parent, std::string id,
                                      std::shared_ptr<const entity_environment>,
                                      persistence::recovery_record);

/// Maps an aggregate type name to the function that spawns its entities, so
/// that a bounded context registers with one line:
/// `registry.add<product_aggregate>();`. Filled before the router starts;
/// read-only afterwards.
class entity_registry {
public:
  template<class Aggregate> void add() {
    add(Aggregate::type_name, &spawn_linked<Aggregate>);
  }

  void add(std::string type, entity_spawner spawner);

  /// The spawner of `type`, or nullptr when no such type is registered.
  entity_spawner find(const std::string& type) const;

  /// Registered type names, sorted.
  std::vector<std::string> types() const;

private:
  template<class Aggregate>
  static caf::actor spawn_linked(caf::local_actor* parent, std::string id,
                                 std::shared_ptr<const entity_environment> env,
                                 persistence::recovery_record recovered) {
    return parent->spawn<caf::linked>(&entity_actor<Aggregate>, std::move(id),
                                      std::move(env), std::move(recovered));
  }

  std::unordered_map<std::string, entity_spawner> spawners_;
};

} // namespace mall::actors
