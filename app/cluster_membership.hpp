// Keeps this node a member of the cluster and decides which shards it
// serves.
#pragma once

#include "actors/shard_routes.hpp"
#include "persistence/pg_membership.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace mall::app {

/// Who this node is in the cluster table, and its timings.
struct cluster_membership_options {
  std::string node_id;
  /// host:port of the cluster (CAF middleman) listener.
  std::string address;
  /// host:port of the HTTP gateway.
  std::string http_address;
  std::chrono::milliseconds lease{1000};
  /// How often the node renews its lease and reads the tables.
  std::chrono::milliseconds tick{100};
  /// A handoff releases a shard at the latest this long after it stopped
  /// taking commands, even if some never answered.
  std::chrono::milliseconds drain_timeout{5000};
  size_t shard_count = 64;
};

/// What the membership asks of the runtime, from its own thread.
struct cluster_membership_hooks {
  /// Stop the entities of `shard` (it is no longer served here).
  std::function<void(size_t shard)> reset_shard;
  /// `shard` is served here from now on (true) or no longer (false); called
  /// before a release, so a singleton tied to the shard stops first.
  std::function<void(size_t shard, bool served)> served_changed;
  /// A graceful leave finished: this node serves nothing and is `down`.
  std::function<void()> left;
};

/// A thread that keeps this node in the cluster table and runs the shard
/// handoff, every `tick`:
///
/// - Lease: join as a new incarnation (status `up`) and renew. The lease
///   counts on this node's steady clock from when each renewal was *sent*
///   (the database starts it later, so this node always stops first); it is
///   written into `routes` so that no command runs past it. A refused
///   renewal (the lease expired, e.g. after a SIGSTOP) fences the node: it
///   drops every shard and joins again as a fresh incarnation.
/// - Allocation: every node computes the same `shard_allocation` over the
///   `up` members with a running lease (database clock).
/// - Claims: a shard allocated here is claimed once its row is free
///   (released, never claimed, or its owner dead: the claim marks an owner
///   with an expired lease down in the same transaction) and then served.
/// - Handoff: a shard served here but allocated elsewhere drains (no new
///   commands; the senders retry at the new owner), and once its commands in
///   flight are answered its entities stop and it is released.
/// - Routes: every shard not served here routes to the live owner of its
///   row, or to nobody while it is between owners.
/// - Leave (`leave()`, or another node setting this one `leaving`): hand
///   every shard off, then mark this node `down` and call `hooks.left`.
///
/// The destructor releases what is still held and marks the node `down`.
class cluster_membership {
public:
  cluster_membership(std::shared_ptr<persistence::pg_membership> table,
                     std::shared_ptr<actors::shard_routes> routes,
                     cluster_membership_options options,
                     cluster_membership_hooks hooks = {});
  ~cluster_membership();

  cluster_membership(const cluster_membership&) = delete;
  cluster_membership& operator=(const cluster_membership&) = delete;

  /// Cheap and thread-safe: whether the lease is valid now.
  bool serving() const { return routes_->lease_valid(); }

  /// Whether the lease is valid and every shard has a known server (here
  /// or elsewhere): this node can answer every command.
  bool ready() const { return serving() && settled_.load(); }

  /// Blocks until `ready()` or `timeout`; returns `ready()`. A node
  /// restarted after a crash waits here for its old lease to run out.
  bool wait_until_ready(std::chrono::milliseconds timeout) const;

  /// Starts a graceful leave (idempotent).
  void leave() { leave_requested_ = true; }

  /// Whether a leave was asked for (here or by another node).
  bool leaving() const { return leaving_.load(); }

  /// Blocks until the graceful leave finished or `timeout`; true if it did.
  bool wait_until_left(std::chrono::milliseconds timeout) const;

  /// The incarnation held now (0 before the first join).
  int64_t incarnation() const { return incarnation_.load(); }

  /// Shards served here now.
  size_t shards_served() const { return served_count_.load(); }

private:
  using clock = std::chrono::steady_clock;

  void run();
  void tick(clock::time_point sent);
  bool join(clock::time_point sent);
  bool renew(clock::time_point sent);
  void follow(const persistence::cluster_view& view);
  void hand_off(size_t shard, clock::time_point now);
  void serve(const persistence::shard_row& claimed);
  void fence();
  void release_all();

  std::shared_ptr<persistence::pg_membership> table_;
  std::shared_ptr<actors::shard_routes> routes_;
  cluster_membership_options options_;
  cluster_membership_hooks hooks_;

  // -- thread only ------------------------------------------------------------
  bool joined_ = false;
  bool outage_logged_ = false;
  /// Shards this incarnation claimed, with their ownership rows.
  std::map<size_t, persistence::shard_row> held_;
  /// When each draining shard stopped taking commands.
  std::map<size_t, clock::time_point> draining_since_;

  std::atomic<int64_t> incarnation_{0};
  std::atomic<bool> settled_{false};
  std::atomic<bool> leave_requested_{false};
  std::atomic<bool> leaving_{false};
  std::atomic<bool> left_{false};
  std::atomic<size_t> served_count_{0};

  std::mutex mtx_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace mall::app
