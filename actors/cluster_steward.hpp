// The cluster rules of one node: membership, lease, shard claims, handoff
// and routes, free of threads and clocks.
#pragma once

#include "actors/shard_routes.hpp"
#include "persistence/membership.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace mall::actors {

/// What the steward changes in the node it runs for. Times are
/// milliseconds of the node's monotonic clock.
class steward_runtime {
public:
  virtual ~steward_runtime() = default;

  /// Local commands may run until `deadline_ms`; a deadline in the past
  /// fences the node.
  virtual void set_lease_until(int64_t deadline_ms) = 0;

  /// Commands of `shard` run here: a new claim, or a drain called off.
  virtual void serve_locally(size_t shard) = 0;

  /// No new command of `shard` starts here.
  virtual void drain(size_t shard) = 0;

  /// Commands of `shard` go to `to` (empty node id: wait for an owner).
  virtual void route_to(size_t shard, shard_routes::owner to) = 0;

  /// Commands of `shard` running here and not answered yet.
  virtual int64_t in_flight(size_t shard) = 0;

  /// Stop the entities of `shard`: their state may change elsewhere now.
  virtual void reset_shard(size_t shard) = 0;

  /// `shard` is served here from now on, or no longer (called before its
  /// release, so that a singleton tied to it stops first).
  virtual void served_changed(size_t shard, bool served) = 0;

  /// The lease is gone (refused renewal, lost row): nothing decided under
  /// it may commit any more.
  virtual void fenced() = 0;

  /// The cluster addresses of the other live members, every tick.
  virtual void peers_seen(const std::vector<std::string>& addresses) = 0;

  /// The graceful leave finished: nothing is served here, the member is
  /// `down`.
  virtual void left() = 0;
};

/// Who the node is and its timings.
struct steward_options {
  std::string node_id;
  /// host:port of the cluster (CAF middleman) listener.
  std::string address;
  /// host:port of the HTTP gateway.
  std::string http_address;
  std::chrono::milliseconds lease{1000};
  /// A handoff releases a shard at the latest this long after it stopped
  /// taking commands, even if some never answered.
  std::chrono::milliseconds drain_timeout{5000};
  size_t shard_count = 64;
  /// False: a gateway-only member, allocated no shard.
  bool hosts_shards = true;
};

/// Runs the cluster rules of one node, one `tick` at a time:
///
/// - Lease: join as a new incarnation (status `up`), then renew every tick.
///   The lease counts from when the tick *began* on the node's clock (the
///   store starts it later, so this node always stops first). A refused
///   renewal (the lease ran out, e.g. while the process was frozen) fences
///   the node: it drops every shard and joins again as a fresh incarnation.
/// - Allocation: every node computes the same `shard_allocation` over the
///   `up` members with a running lease (store clock) that host shards.
/// - Claims: a shard allocated here is claimed once its row is free
///   (released, never claimed, or its owner dead: the store's claim marks
///   an owner whose lease expired down in the same transaction), then
///   served. Nothing is served on the word of a snapshot alone.
/// - Handoff: a shard served here but allocated elsewhere drains; once its
///   commands in flight are answered (or `drain_timeout` passed) its
///   entities stop and it is released; the new owner claims it next. A
///   shard allocated here again before its release is served again.
/// - Routes: a shard not served here routes to the live owner of its row,
///   or to nobody while it is between owners.
/// - Leave (`leave()`, or another node setting this one `leaving`): hand
///   every shard off, then mark this node `down` and call `left()`.
///
/// `tick` and `release_all` run on one thread; the queries are thread-safe.
class cluster_steward {
public:
  cluster_steward(persistence::membership_store& store,
                  steward_runtime& runtime, steward_options options);

  /// One round, begun at `now_ms`. Throws what the store throws (the
  /// lease then runs out unless a later tick renews it).
  void tick(int64_t now_ms);

  /// Releases what is still held and marks the node `down` (a clean stop
  /// without handoff); does nothing when not a member.
  void release_all();

  /// Starts a graceful leave (thread-safe, idempotent).
  void leave() { leave_requested_ = true; }

  // -- queries (thread-safe) --------------------------------------------------

  /// Whether every shard had a known server (here or elsewhere) at the end
  /// of the last tick.
  bool settled() const { return settled_.load(); }

  /// Whether this incarnation was `settled` once: a node that could serve
  /// stays ready while shards move (readiness must not drop on every node
  /// at once during a handoff).
  bool has_settled() const { return settled_once_.load(); }

  /// Whether a leave was asked for, here or by another node.
  bool leaving() const { return leave_requested_ || leaving_; }

  bool has_left() const { return left_.load(); }

  /// 0 before the first join.
  int64_t incarnation() const { return incarnation_.load(); }

  size_t shards_served() const { return served_count_.load(); }

private:
  bool join(int64_t now_ms);
  bool renew(int64_t now_ms);
  void follow(const persistence::cluster_view& view, int64_t now_ms);
  /// Routes `shard` (not served here) to the live owner of its row, or to
  /// nobody; true if it has an owner.
  bool route(size_t shard, const persistence::cluster_view& view);
  /// Drops held shards whose row no longer names this claim.
  void drop_lost_claims(
      const std::unordered_map<int, const persistence::shard_row*>& rows);
  void hand_off(size_t shard, int64_t now_ms);
  void resume(size_t shard);
  void serve(const persistence::shard_row& claimed);
  void fence();

  persistence::membership_store& store_;
  steward_runtime& runtime_;
  steward_options options_;

  bool joined_ = false;
  /// Shards this incarnation claimed, with their ownership rows.
  std::map<size_t, persistence::shard_row> held_;
  /// When each draining shard stopped taking commands.
  std::map<size_t, int64_t> draining_since_ms_;

  std::atomic<int64_t> incarnation_{0};
  std::atomic<bool> settled_{false};
  std::atomic<bool> settled_once_{false};
  std::atomic<bool> leave_requested_{false};
  std::atomic<bool> leaving_{false};
  std::atomic<bool> left_{false};
  std::atomic<size_t> served_count_{0};
};

} // namespace mall::actors
