// The admin endpoints' view of this node: actors, chaos, rebuild, rewind.
#pragma once

#include "actors/entity_router.hpp"
#include "app/chaos_schedule.hpp"
#include "app/consumer_set.hpp"
#include "net/admin_operations.hpp"
#include "persistence/pg_journal.hpp"
#include "persistence/pg_membership.hpp"
#include "persistence/read_model_store.hpp"

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <optional>
#include <random>
#include <set>

namespace mall::app {

/// Implements the operations API on the node's router, consumers and stores.
/// Slow operations (stopping a consumer, resetting a read model) run on a
/// thread of its own.
class node_operations : public net::admin_operations {
public:
  node_operations(caf::actor_system& sys, actors::entity_router& router,
                  consumer_set& consumers,
                  std::shared_ptr<persistence::pg_journal> journal,
                  std::shared_ptr<persistence::read_model_store> store,
                  std::set<std::string> projections,
                  std::shared_ptr<persistence::pg_membership> membership,
                  std::string self);
  ~node_operations() override;

  void actor_tree(done_handler done) override;
  void crash(std::string target, std::string id, done_handler done) override;
  void schedule_chaos(net::chaos_plan plan, done_handler done) override;
  void chaos_status(done_handler done) override;
  void stop_chaos(done_handler done) override;
  void rebuild_projection(std::string name, done_handler done) override;
  void rewind_consumer(std::string name, done_handler done) override;
  void metrics(std::function<void(std::string)> done) override;
  void cluster(done_handler done) override;
  void leave(std::string node_id, done_handler done) override;

private:
  caf::actor_system& sys_;
  actors::entity_router& router_;
  consumer_set& consumers_;
  std::shared_ptr<persistence::pg_journal> journal_;
  std::shared_ptr<persistence::read_model_store> store_;
  std::set<std::string> projections_;
  net::operation_result
  cluster_json(const persistence::cluster_view& view) const;

  /// Why `target`/`id` cannot be crashed here; std::nullopt when it can.
  std::optional<net::operation_result> uncrashable(const std::string& target,
                                                   const std::string& id) const;
  /// One crash of a chaos schedule, on `pool_`: a random shard or consumer
  /// when `id` is empty.
  void chaos_crash(const std::string& target, const std::string& id);

  std::shared_ptr<persistence::pg_membership> membership_;
  std::string self_;
  boost::asio::thread_pool pool_{1};
  /// Runs on `pool_`; stopped before `pool_` is joined.
  chaos_schedule chaos_{pool_.get_executor(), [this](const std::string& target,
                                                     const std::string& id) {
                          chaos_crash(target, id);
                        }};
  /// `chaos_crash`'s random picks; used on `pool_` only.
  std::mt19937 chaos_rng_{std::random_device{}()};
};

} // namespace mall::app
