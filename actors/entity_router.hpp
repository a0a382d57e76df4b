// The entity gateway of one node.
#pragma once

#include "actors/entity_environment.hpp"
#include "actors/entity_gateway.hpp"
#include "actors/entity_registry.hpp"
#include "actors/shard_directory.hpp"
#include "actors/shard_routes.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"

namespace mall::actors {

/// Where a clustered router sends the commands of shards it does not serve.
struct cluster_routing {
  /// Written by the cluster membership; read for every command.
  std::shared_ptr<shard_routes> routes;
  /// This node's id, as the routes name owners.
  std::string node_id;
};

/// Implements `entity_gateway` for the shards of this node: spawns
/// `settings.shard_count` shards under one region supervisor and sends each
/// command straight to the shard of its entity (a stable hash of type and
/// id, `shard_for`). The shard answers through a `reply_guard`, so the
/// callback runs exactly once even if the shard crashes with the command.
///
/// Without `cluster_routing` every shard is served here. With it, a command
/// runs here only while `routes` says its shard is served here; otherwise a
/// forwarder sends it to the owner's cluster endpoint (`endpoint()`, which
/// the node publishes on its cluster port), retrying while the shard has no
/// owner or is being handed off, until the ask's deadline.
///
/// Destroy it before its actor system: the destructor stops the region, its
/// shards and their entities.
class entity_router : public entity_gateway {
public:
  /// `escalation` receives `entity_escalation` messages (may be null).
  entity_router(caf::actor_system& sys,
                std::shared_ptr<const entity_registry> registry,
                std::shared_ptr<const entity_environment> env,
                caf::actor escalation = {},
                std::optional<cluster_routing> cluster = std::nullopt);

  ~entity_router() override;

  entity_router(const entity_router&) = delete;
  entity_router& operator=(const entity_router&) = delete;

  // -- entity_gateway ---------------------------------------------------------

  void ask(entity_command cmd, int64_t timeout_ms,
           reply_handler on_reply) override;

  // -- placement --------------------------------------------------------------

  /// The shard of an entity: FNV-1a of "<type>|<id>" modulo `shard_count`,
  /// identical on every node and build.
  static size_t shard_for(const std::string& type, const std::string& id,
                          size_t shard_count);

  size_t shard_count() const noexcept { return directory_->size(); }

  // -- operations -------------------------------------------------------------

  /// Chaos: makes the entity throw if it is active.
  void crash_entity(const std::string& type, const std::string& id);

  /// Chaos: makes shard `index` throw; its region restarts it empty.
  void crash_shard(size_t index);

  /// Replaces shard `index` by an empty one: its entities stop, and come
  /// back from the journal when the shard is served here again.
  void reset_shard(size_t index);

  /// Connects ahead to the cluster endpoints at `addresses` (host:port of
  /// peers; seeds at start, members later). Does nothing without
  /// `cluster_routing`.
  void connect_peers(std::vector<std::string> addresses);

  /// The actor other nodes send `remote_ask_atom` commands to (invalid
  /// without `cluster_routing`).
  const caf::actor& endpoint() const noexcept { return endpoint_; }

  /// Calls `done` (on a runtime thread) with the supervision tree of this
  /// node: `{name, kind, status, restarts, children: [...]}`.
  void supervision_tree(std::function<void(nlohmann::json)> done);

  /// Lists `actor` (anything answering `describe_atom` with its subtree as
  /// JSON text: an event consumer, the order timeout sweeper) in the
  /// supervision tree after the shards, as `name` of `kind` ("consumer",
  /// "policy") while it does not answer. Showing a name again (a restarted
  /// consumer) replaces the earlier actor.
  void show_in_tree(std::string name, std::string kind, caf::actor actor);

  /// The root supervisor, e.g. to link or monitor it.
  const caf::actor& region() const noexcept { return region_; }

private:
  caf::actor_system& sys_;
  std::shared_ptr<shard_directory> directory_;
  std::shared_ptr<shard_routes> routes_;
  caf::actor region_;
  caf::actor endpoint_;
  caf::actor forwarder_;
};

} // namespace mall::actors
