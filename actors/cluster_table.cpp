#include "actors/cluster_table.hpp"

#include <algorithm>

namespace mall::actors {

const member_row* cluster_snapshot::member(const std::string& node_id) const {
  for (auto& row : members)
    if (row.node_id == node_id)
      return &row;
  return nullptr;
}

cluster_table::cluster_table(size_t shard_count) {
  rows_.claims.resize(shard_count);
}

cluster_reply cluster_table::apply(const cluster_request& request) {
  return std::visit([this](const auto& r) { return apply_one(r); }, request);
}

member_row* cluster_table::find_row(const std::string& node_id) {
  for (auto& row : rows_.members)
    if (row.node_id == node_id)
      return &row;
  return nullptr;
}

namespace {

cluster_reply changed(uint64_t& version) {
  return {true, ++version};
}

bool serving_status(member_status s) {
  return s == member_status::up || s == member_status::leaving;
}

} // namespace

cluster_reply cluster_table::apply_one(const join_request& r) {
  auto* found = find_row(r.node_id);
  if (found == nullptr) {
    found = &rows_.members.emplace_back();
    found->node_id = r.node_id;
  }
  auto& row = *found;
  if (row.status != member_status::down || r.incarnation <= row.incarnation)
    return {};
  row.incarnation = r.incarnation;
  row.status = member_status::up;
  row.lease_expiry_ms = r.lease_expiry_ms;
  return changed(row.version);
}

cluster_reply cluster_table::apply_one(const renew_request& r) {
  auto* found = find_row(r.node_id);
  if (found == nullptr)
    return {};
  auto& row = *found;
  if (row.incarnation != r.incarnation || !serving_status(row.status))
    return {};
  // Never shorten: a delayed older renewal must not undercut the expiry the
  // node already believes in.
  row.lease_expiry_ms = std::max(row.lease_expiry_ms, r.lease_expiry_ms);
  return changed(row.version);
}

cluster_reply cluster_table::apply_one(const status_request& r) {
  auto* found = find_row(r.node_id);
  if (found == nullptr)
    return {};
  auto& row = *found;
  if (row.incarnation != r.incarnation)
    return {};
  bool allowed =
      r.status == member_status::leaving
          ? row.status == member_status::up
          : r.status == member_status::down && serving_status(row.status);
  if (!allowed)
    return {};
  row.status = r.status;
  return changed(row.version);
}

cluster_reply cluster_table::apply_one(const mark_down_request& r) {
  auto* found = find_row(r.node_id);
  if (found == nullptr)
    return {};
  auto& row = *found;
  if (row.version != r.expected_version || !serving_status(row.status))
    return {};
  row.status = member_status::down;
  return changed(row.version);
}

cluster_reply cluster_table::apply_one(const claim_request& r) {
  auto& claim = rows_.claims.at(r.shard);
  if (claim.version != r.expected_version)
    return {};
  claim.holder = r.node_id;
  claim.incarnation = r.incarnation;
  claim.released = false;
  return changed(claim.version);
}

cluster_reply cluster_table::apply_one(const release_request& r) {
  auto& claim = rows_.claims.at(r.shard);
  if (claim.version != r.expected_version || claim.holder != r.node_id ||
      claim.incarnation != r.incarnation || claim.released)
    return {};
  claim.released = true;
  return changed(claim.version);
}

} // namespace mall::actors
