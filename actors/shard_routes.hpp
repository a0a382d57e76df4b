// Where each shard of the cluster is served, as this node knows it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mall::actors {

/// How this node treats commands of one shard.
enum class route_phase : uint8_t {
  /// Served by another node (or by nobody yet): commands are forwarded.
  remote,
  /// Served here: commands run on the local shard actor.
  local,
  /// Being handed off: no new command starts here, the ones in flight end.
  draining,
};

/// The routing table of one node, written by the cluster membership thread
/// and read by every command: per shard its phase, its owner when remote,
/// and how many commands run on the local shard actor right now (the
/// handoff waits for that to reach zero before it releases the shard).
///
/// Local commands also need this node's cluster lease: `enter_local` is
/// refused once the lease deadline (on this node's steady clock) has passed,
/// whatever the phase says, so a node that stalled past its lease never runs
/// a command before the membership thread has noticed.
class shard_routes {
public:
  using clock = std::chrono::steady_clock;

  /// Where a remote shard lives.
  struct owner {
    std::string node_id;
    /// host:port of its cluster (CAF middleman) listener.
    std::string address;
  };

  /// Every shard starts `remote` with no owner and no lease.
  explicit shard_routes(size_t shard_count);

  size_t shard_count() const noexcept { return phases_.size(); }

  // -- the command path (any thread) -----------------------------------------

  /// Counts one command into the local shard and returns true if the shard
  /// is served here under a valid lease; returns false (counting nothing)
  /// otherwise. Every true must be matched by one `leave_local`.
  bool enter_local(size_t shard);

  /// A command counted by `enter_local` has been answered.
  void leave_local(size_t shard);

  /// The owner to forward commands of `shard` to; std::nullopt while the
  /// shard is served here, is being handed off, or has no known owner.
  std::optional<owner> remote_owner(size_t shard) const;

  // -- the membership thread -------------------------------------------------

  /// Commands of `shard` run here from now on.
  void serve_locally(size_t shard);

  /// No new command of `shard` starts here; `in_flight` tells when the
  /// running ones are done.
  void drain(size_t shard);

  /// Commands of `shard` go to `to` (an empty node id: no owner known yet,
  /// commands wait for one).
  void route_to(size_t shard, owner to);

  route_phase phase(size_t shard) const;

  /// Commands of `shard` running on the local shard actor.
  int64_t in_flight(size_t shard) const;

  /// Local commands may run until `deadline` (steady clock); a default
  /// time point ends the lease at once.
  void set_lease_until(clock::time_point deadline);

  /// Whether the lease deadline lies in the future.
  bool lease_valid() const;

private:
  std::vector<std::atomic<uint8_t>> phases_;
  std::vector<std::atomic<int64_t>> in_flight_;
  std::atomic<int64_t> lease_until_ns_{0};
  mutable std::mutex owners_mtx_;
  std::vector<owner> owners_;
};

} // namespace mall::actors
