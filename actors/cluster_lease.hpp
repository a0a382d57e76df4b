// When a lease lets its holder serve, and when others may take over.
#pragma once

#include "actors/cluster_table.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mall::actors {

/// The timing of leases (all ms; `cluster.conf`). `margin_ms` must be at
/// least half the bound on the clock difference between any two nodes (the
/// holder stops `margin_ms` before its expiry and others start `margin_ms`
/// after it, by their own clocks); use the full skew bound to be safe.
struct lease_rules {
  int64_t lease_ms = 1000;
  int64_t margin_ms = 100;
  /// How often a member renews its lease (a few times per lease).
  int64_t renew_interval_ms = 250;
  /// When a request without answer is given up (its outcome is then read
  /// back from the tables).
  int64_t request_timeout_ms = 500;
};

/// Fencing: a node whose confirmed lease ends at `lease_expiry_ms` may serve
/// at its own clock `now_ms` only before expiry minus the margin.
bool lease_allows_serving(int64_t lease_expiry_ms, int64_t now_ms,
                          const lease_rules& rules) noexcept;

/// Another node may take over from a holder whose lease ends at
/// `lease_expiry_ms` only from expiry plus the margin on (its own clock).
bool lease_allows_takeover(int64_t lease_expiry_ms, int64_t now_ms,
                           const lease_rules& rules) noexcept;

/// Whether `row` may own shards in an allocation computed at `now_ms`: up
/// (not leaving or down) and not yet open to takeover.
bool may_own_shards(const member_row& row, int64_t now_ms,
                    const lease_rules& rules) noexcept;

/// The ids of the rows that `may_own_shards`: the input of
/// `shard_allocation`.
std::vector<std::string> eligible_owners(const std::vector<member_row>& rows,
                                         int64_t now_ms,
                                         const lease_rules& rules);

/// Whether the claim `claim` no longer binds anyone who could be serving:
/// released (or never made), or its holder's incarnation is down or
/// replaced in `members`. Both only ever become true, so a stale snapshot
/// never makes a shard look free when it is not.
bool claim_is_free(const claim_row& claim, const cluster_snapshot& members);

} // namespace mall::actors
