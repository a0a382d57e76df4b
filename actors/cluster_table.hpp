// The membership and shard-claim tables of the cluster, as pure values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace mall::actors {

// -- rows ---------------------------------------------------------------------

/// Status of a member row. The API's `joining` and `suspect` are views of a
/// node (not yet serving, missing heartbeats); the table only needs these.
enum class member_status : uint8_t { up, leaving, down };

/// One row of the membership table. `lease_expiry_ms` is in the clock of the
/// node itself; `version` grows with every change (compare-and-set key).
struct member_row {
  std::string node_id;
  uint64_t incarnation = 0;
  member_status status = member_status::down;
  int64_t lease_expiry_ms = 0;
  uint64_t version = 0;
};

/// One row of the shard-claim table: who last claimed a shard and whether it
/// has released it. A shard nobody claimed yet has an empty holder and counts
/// as released.
struct claim_row {
  std::string holder;
  uint64_t incarnation = 0;
  bool released = true;
  uint64_t version = 0;
};

/// Both tables as read in one transaction (the runtime must read them
/// together: the rules compare claims against member rows).
struct cluster_snapshot {
  std::vector<member_row> members;
  std::vector<claim_row> claims; // indexed by shard

  /// The row of `node_id`, or null.
  const member_row* member(const std::string& node_id) const;
};

// -- requests -----------------------------------------------------------------

/// Start a new incarnation: only if the node has no row or its row is down.
struct join_request {
  std::string node_id;
  uint64_t incarnation;
  int64_t lease_expiry_ms;
};

/// Extend the lease (to the maximum of old and new expiry): only while the
/// row is of this incarnation and up or leaving.
struct renew_request {
  std::string node_id;
  uint64_t incarnation;
  int64_t lease_expiry_ms;
};

/// A node changes its own status: up -> leaving, or up/leaving -> down once
/// it serves nothing.
struct status_request {
  std::string node_id;
  uint64_t incarnation;
  member_status status;
};

/// Declare another node down because its lease (as of `expected_version`)
/// has expired plus the margin: only if the row is unchanged since.
struct mark_down_request {
  std::string node_id;
  uint64_t expected_version;
};

/// Take a shard: only if its claim row is unchanged since it was judged free.
struct claim_request {
  size_t shard;
  std::string node_id;
  uint64_t incarnation;
  uint64_t expected_version;
};

/// Give a shard up after draining it: only if the claim is still the one the
/// node made (`expected_version`).
struct release_request {
  size_t shard;
  std::string node_id;
  uint64_t incarnation;
  uint64_t expected_version;
};

/// Everything a node asks of the tables. Each is one conditional UPDATE.
using cluster_request =
    std::variant<join_request, renew_request, status_request, mark_down_request,
                 claim_request, release_request>;

/// The answer to a request: whether its condition held, and the version of
/// the changed row if so.
struct cluster_reply {
  bool ok = false;
  uint64_t version = 0;
};

// -- the tables ---------------------------------------------------------------

/// An in-memory model of the two tables with the exact compare-and-set rules
/// the PostgreSQL implementation must have (see the request types): the
/// simulation's database, and the reference for the SQL.
class cluster_table {
public:
  explicit cluster_table(size_t shard_count);

  /// Applies `request` atomically.
  cluster_reply apply(const cluster_request& request);

  const cluster_snapshot& snapshot() const noexcept { return rows_; }

private:
  member_row* find_row(const std::string& node_id);

  cluster_reply apply_one(const join_request& r);
  cluster_reply apply_one(const renew_request& r);
  cluster_reply apply_one(const status_request& r);
  cluster_reply apply_one(const mark_down_request& r);
  cluster_reply apply_one(const claim_request& r);
  cluster_reply apply_one(const release_request& r);

  cluster_snapshot rows_;
};

} // namespace mall::actors
