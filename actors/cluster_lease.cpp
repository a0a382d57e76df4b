#include "actors/cluster_lease.hpp"

namespace mall::actors {

bool lease_allows_serving(int64_t lease_expiry_ms, int64_t now_ms,
                          const lease_rules& rules) noexcept {
  return now_ms < lease_expiry_ms - rules.margin_ms;
}

bool lease_allows_takeover(int64_t lease_expiry_ms, int64_t now_ms,
                           const lease_rules& rules) noexcept {
  return now_ms >= lease_expiry_ms + rules.margin_ms;
}

bool may_own_shards(const member_row& row, int64_t now_ms,
                    const lease_rules& rules) noexcept {
  return row.status == member_status::up &&
         !lease_allows_takeover(row.lease_expiry_ms, now_ms, rules);
}

std::vector<std::string> eligible_owners(const std::vector<member_row>& rows,
                                         int64_t now_ms,
                                         const lease_rules& rules) {
  std::vector<std::string> result;
  for (auto& row : rows)
    if (may_own_shards(row, now_ms, rules))
      result.push_back(row.node_id);
  return result;
}

bool claim_is_free(const claim_row& claim, const cluster_snapshot& members) {
  if (claim.released)
    return true;
  // Rows are never deleted, so a holder without a row cannot occur; treat
  // it as still holding rather than guess.
  auto* holder = members.member(claim.holder);
  return holder != nullptr && (holder->status == member_status::down ||
                               holder->incarnation != claim.incarnation);
}

} // namespace mall::actors
