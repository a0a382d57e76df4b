// Cluster membership, leases and shard ownership in PostgreSQL.
#pragma once

#include "persistence/membership.hpp"
#include "persistence/pg_connection_pool.hpp"
#include "persistence/pg_schema.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mall::persistence {

/// The membership table (`cluster_members`, one row per node id) and the
/// shard table (`cluster_shards`) as the cluster's source of truth. Every
/// change is one compare-and-set statement or transaction, and every time is
/// taken from the database clock (`clock_timestamp()`), so skew between node
/// clocks cannot break fencing.
///
/// Lease rule for the caller: count a granted lease from the moment the
/// request was SENT (local monotonic clock) and stop serving when that much
/// time has passed without a newer grant. The database starts the lease later
/// than that, so the node always stops before anyone else may take over.
///
/// A refused compare-and-set is std::nullopt; an unreachable or failing
/// database throws `journal_error`. Thread-safe: calls run on a small pool.
class pg_membership : public membership_store {
public:
  /// The schema steps this store needs (append to the journal's).
  static const std::vector<pg_migration>& migrations();

  /// Connects lazily to `url`, at most `max_connections` at a time. A
  /// transaction that waits on a lock, or whose client stalls (a frozen
  /// node mid-claim), longer than `stall_timeout` is ended by the server,
  /// so that a frozen member can never hold the others' claims and
  /// renewals up; keep it well below the lease.
  explicit pg_membership(
      std::string url, size_t max_connections = 4,
      std::chrono::milliseconds stall_timeout = std::chrono::milliseconds(300));

  // -- members ----------------------------------------------------------------

  /// Registers a new incarnation of `node_id` with status `joining` and a
  /// lease of `lease`; the caller then sets `up` with `set_status`. Refused
  /// while the id's current incarnation is not `down` and its lease runs, so
  /// that two processes can never hold one id.
  std::optional<member_row> join(const std::string& node_id,
                                 const std::string& address,
                                 const std::string& http_address,
                                 std::chrono::milliseconds lease,
                                 bool hosts_shards = true) override;

  /// Extends the lease of `incarnation` to now + `lease`. Refused when the
  /// row has another incarnation, is `down`, or the lease already expired:
  /// an expired lease is never renewed, the process must join again.
  std::optional<member_row> renew(const std::string& node_id,
                                  int64_t incarnation,
                                  std::chrono::milliseconds lease) override;

  /// Sets `status` if the row still has `expected_version`. Nothing leaves
  /// `down` this way (only `join` does), and a node whose lease expired can
  /// only be set `down`.
  std::optional<member_row> set_status(const std::string& node_id,
                                       int64_t expected_version,
                                       member_status status) override;

  /// Another node declares `incarnation` of `node_id` down; refused unless
  /// its lease expired by the database clock.
  std::optional<member_row> mark_down(const std::string& node_id,
                                      int64_t incarnation);

  /// Every member by node id, with the database clock.
  membership_view members() override;

  /// Marks down every member whose lease expired; returns those it changed
  /// (empty when called again).
  std::vector<member_row> expire();

  // -- shards -----------------------------------------------------------------

  /// Makes `incarnation` of `node_id` the owner of `shard` with a new epoch.
  /// Allowed when the claimer is `joining` or `up` with a running lease and
  /// the shard has no owner, was released, or its owner is dead: `down`, a
  /// superseded incarnation, or its lease expired (then this marks it
  /// `down` in the same transaction, which is what makes a concurrent
  /// renewal of that owner fail). Claiming a shard one already holds
  /// returns it unchanged.
  std::optional<shard_row> claim_shard(int shard, const std::string& node_id,
                                       int64_t incarnation) override;

  /// The owner says it stopped `shard` (handoff): the next claim needs no
  /// lease expiry. Refused when `incarnation` of `node_id` is not the owner
  /// of ownership `epoch`, so that a delayed release cannot free a shard
  /// its sender has claimed again since.
  std::optional<shard_row> release_shard(int shard, const std::string& node_id,
                                         int64_t incarnation,
                                         int64_t epoch) override;

  /// One shard; std::nullopt when never claimed.
  std::optional<shard_row> shard(int shard);

  /// Every claimed shard, by number.
  std::vector<shard_row> shards();

  /// Members and shards read in one snapshot.
  cluster_view snapshot() override;

private:
  /// Runs `work(pqxx::connection&)` on a pooled connection and turns
  /// database failures into `journal_error`.
  template<class F> auto run(const char* what, F&& work);

  pg_connection_pool pool_;
};

} // namespace mall::persistence
