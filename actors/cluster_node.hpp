// The ownership and handoff rules one node follows, as a state machine.
#pragma once

#include "actors/cluster_lease.hpp"
#include "actors/cluster_table.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace mall::actors {

/// Where one shard stands on one node.
enum class shard_phase : uint8_t {
  idle,      ///< not ours
  claiming,  ///< claim request sent, not serving yet
  serving,   ///< accepting and running commands
  draining,  ///< buffering new commands, answering in-flight ones
  drained,   ///< nothing in flight, not released yet
  releasing, ///< release request sent, serving nothing
};

/// What a node must do after a `step`: send `requests` to the tables, tell
/// the shards in `drain` to stop accepting (buffer new commands, answer
/// in-flight ones, then report `on_drained`), and tell the shards in
/// `resume` to accept again (the allocation came back before release).
struct node_plan {
  std::vector<cluster_request> requests;
  std::vector<size_t> drain;
  std::vector<size_t> resume;
};

/// The cluster rules of one node, free of I/O and clocks: the runtime (or a
/// simulation) feeds it table snapshots, replies and its own clock, sends
/// the requests it returns, and asks `may_serve` before running a command.
///
/// The rules, in short:
/// - Target: every node computes `shard_allocation` over the `up` members
///   whose lease is not open to takeover in its latest snapshot.
/// - Serve only what this incarnation claimed itself (a successful
///   `claim_request` reply), never because a snapshot names it holder.
/// - Claim a target shard only if its claim row is free (`claim_is_free`)
///   or still ours, by compare-and-set on the row version.
/// - Fencing: serve only before own confirmed lease expiry minus the margin;
///   a rejected renewal ends the incarnation (serve nothing, rejoin).
/// - Mark another member down only once its lease expiry plus the margin
///   has passed on the own clock, by compare-and-set on its row version (a
///   renewal in between bumps the version and wins).
/// - Handoff: a shard no longer in the target drains (in-flight answered,
///   new commands buffered), then is released; the new owner claims it
///   once released. A crashed or frozen owner never releases: its claim
///   frees when its row is marked down, i.e. after lease expiry + margin.
class cluster_node {
public:
  cluster_node(std::string node_id, size_t shard_count, lease_rules rules);

  // -- inputs -----------------------------------------------------------------

  /// Decides at own clock `now_ms` from `view`, the latest snapshot read
  /// (may be stale: staleness delays decisions but never breaks safety).
  node_plan step(const cluster_snapshot& view, int64_t now_ms);

  /// The tables answered `request` (one this node sent; late, duplicate and
  /// lost replies are fine).
  void on_reply(const cluster_request& request, const cluster_reply& reply);

  /// A draining shard has answered all its in-flight commands (or aborted
  /// them because the node is fenced).
  void on_drained(size_t shard);

  /// Starts a graceful leave: hand off every shard, then mark self down.
  void leave() { leaving_ = true; }

  // -- queries ----------------------------------------------------------------

  /// Whether this node may run commands of `shard` at own clock `now_ms`
  /// (serving or draining, within the lease).
  bool may_serve(size_t shard, int64_t now_ms) const;

  /// Whether new commands for `shard` are accepted (not draining).
  bool accepts_commands(size_t shard, int64_t now_ms) const;

  shard_phase phase(size_t shard) const { return phases_.at(shard); }

  const std::string& node_id() const noexcept { return id_; }

  /// 0 while not a member (before joining, after losing the incarnation).
  uint64_t incarnation() const noexcept { return incarnation_; }

  bool is_member() const noexcept { return incarnation_ != 0; }

  /// The lease expiry this node knows to be in the table (own clock).
  int64_t lease_expiry_ms() const noexcept { return lease_expiry_ms_; }

  /// Whether the graceful leave finished (or the node lost its incarnation
  /// while leaving): it serves nothing and does nothing any more.
  bool has_left() const noexcept { return left_; }

private:
  static constexpr int64_t never = std::numeric_limits<int64_t>::min() / 2;

  bool recently(int64_t sent_ms, int64_t now_ms) const {
    return now_ms - sent_ms < rules_.request_timeout_ms;
  }

  void lose_incarnation();

  void plan_mark_downs(const cluster_snapshot& view, int64_t now_ms,
                       node_plan& plan);

  void plan_membership(const member_row* own, int64_t now_ms, node_plan& plan);

  void plan_shards(const cluster_snapshot& view, int64_t now_ms,
                   node_plan& plan);

  void set_phase(size_t shard, shard_phase phase, int64_t now_ms);

  std::string id_;
  lease_rules rules_;
  uint64_t incarnation_ = 0;
  int64_t lease_expiry_ms_ = never;
  int64_t last_renewal_ms_ = never;
  int64_t join_sent_ms_ = never;
  int64_t status_sent_ms_ = never;
  bool leaving_ = false;
  bool left_ = false;
  std::vector<shard_phase> phases_;
  std::vector<int64_t> phase_since_ms_;
  std::vector<uint64_t> claim_versions_;
  std::map<std::string, int64_t> mark_down_sent_ms_;
};

} // namespace mall::actors
