// Runs this node's cluster rules on a thread of their own.
#pragma once

#include "actors/cluster_steward.hpp"
#include "actors/shard_routes.hpp"
#include "persistence/membership.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mall::app {

/// Who this node is in the cluster table, and its timings.
struct cluster_membership_options {
  actors::steward_options steward;
  /// How often the node renews its lease and reads the tables.
  std::chrono::milliseconds tick{100};
};

/// What the membership asks of the runtime besides the routes, from its own
/// thread (see `actors::steward_runtime`).
struct cluster_membership_hooks {
  std::function<void(size_t shard)> reset_shard;
  std::function<void(size_t shard, bool served)> served_changed;
  std::function<void(const std::vector<std::string>&)> peers_seen;
  std::function<void()> fenced;
  std::function<void()> left;
};

/// A thread that runs `actors::cluster_steward` every `tick` against the
/// cluster tables, writing the lease and the routes into `routes` (which
/// every command reads). The destructor stops it, releases what is still
/// held and marks the node `down`.
class cluster_membership {
public:
  cluster_membership(std::shared_ptr<persistence::membership_store> table,
                     std::shared_ptr<actors::shard_routes> routes,
                     cluster_membership_options options,
                     cluster_membership_hooks hooks = {});
  ~cluster_membership();

  cluster_membership(const cluster_membership&) = delete;
  cluster_membership& operator=(const cluster_membership&) = delete;

  /// Cheap and thread-safe: whether the lease is valid now.
  bool serving() const { return routes_->lease_valid(); }

  /// Whether the lease is valid and every shard had a known server (here
  /// or elsewhere) once in this incarnation: this node can answer every
  /// command (during a handoff, by parking it until the new owner serves).
  bool ready() const { return serving() && steward_.has_settled(); }

  /// Blocks until `ready()` or `timeout`; returns `ready()`. A node
  /// restarted after a crash waits here for its old lease to run out.
  bool wait_until_ready(std::chrono::milliseconds timeout) const;

  /// Starts a graceful leave (idempotent).
  void leave() { steward_.leave(); }

  /// Whether a leave was asked for (here or by another node).
  bool leaving() const { return steward_.leaving(); }

  /// Blocks until the graceful leave finished or `timeout`; true if it did.
  bool wait_until_left(std::chrono::milliseconds timeout) const;

  /// The incarnation held now (0 before the first join).
  int64_t incarnation() const { return steward_.incarnation(); }

  /// Shards served here now.
  size_t shards_served() const { return steward_.shards_served(); }

private:
  /// `actors::steward_runtime` on the routes and the hooks.
  class runtime : public actors::steward_runtime {
  public:
    runtime(actors::shard_routes& routes, cluster_membership_hooks& hooks)
        : routes_(routes), hooks_(hooks) {}

    void set_lease_until(int64_t deadline_ms) override;
    void serve_locally(size_t shard) override;
    void drain(size_t shard) override;
    void route_to(size_t shard, actors::shard_routes::owner to) override;
    int64_t in_flight(size_t shard) override;
    void reset_shard(size_t shard) override;
    void served_changed(size_t shard, bool served) override;
    void peers_seen(const std::vector<std::string>& addresses) override;
    void fenced() override;
    void left() override;

  private:
    actors::shard_routes& routes_;
    cluster_membership_hooks& hooks_;
  };

  void run();

  std::shared_ptr<persistence::membership_store> table_;
  std::shared_ptr<actors::shard_routes> routes_;
  cluster_membership_options options_;
  cluster_membership_hooks hooks_;
  runtime runtime_;
  actors::cluster_steward steward_;
  bool outage_logged_ = false;

  std::mutex mtx_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace mall::app
