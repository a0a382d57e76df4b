#include "actors/cluster_steward.hpp"

#include "actors/shard_allocation.hpp"

#include <spdlog/spdlog.h>

#include <unordered_map>
#include <vector>

namespace mall::actors {

namespace {

using persistence::member_row;
using persistence::member_status;

const member_row* find_member(const persistence::membership_view& view,
                              const std::string& node_id) {
  for (const auto& m : view.members)
    if (m.node_id == node_id)
      return &m;
  return nullptr;
}

/// Whether the incarnation that owns `row` may still be serving it.
bool owner_alive(const persistence::shard_row& row,
                 const persistence::membership_view& view) {
  auto* m = find_member(view, row.owner);
  return m && m->incarnation == row.owner_incarnation &&
         m->status != member_status::down && m->lease_valid();
}

} // namespace

cluster_steward::cluster_steward(persistence::membership_store& store,
                                 steward_runtime& runtime,
                                 steward_options options)
    : store_(store), runtime_(runtime), options_(std::move(options)) {}

void cluster_steward::tick(int64_t now_ms) {
  if (left_) {
    // Still forwarding until the process ends: keep the routes current.
    auto view = store_.snapshot();
    for (size_t s = 0; s < options_.shard_count; ++s)
      route(s, view);
    return;
  }
  if (!(joined_ ? renew(now_ms) : join(now_ms)))
    return;
  follow(store_.snapshot(), now_ms);
}

bool cluster_steward::route(size_t shard,
                            const persistence::cluster_view& view) {
  for (const auto& row : view.shards) {
    if (row.shard != static_cast<int>(shard))
      continue;
    if (row.released || row.owner == options_.node_id ||
        !owner_alive(row, view.membership))
      break;
    auto* owner = find_member(view.membership, row.owner);
    runtime_.route_to(shard, {row.owner, owner->address});
    return true;
  }
  runtime_.route_to(shard, {});
  return false;
}

void cluster_steward::drop_lost_claims(
    const std::unordered_map<int, const persistence::shard_row*>& rows) {
  for (auto i = held_.begin(); i != held_.end();) {
    auto r = rows.find(static_cast<int>(i->first));
    const auto& held = i->second;
    if (r != rows.end() && !r->second->released &&
        r->second->owner == held.owner &&
        r->second->owner_incarnation == held.owner_incarnation &&
        r->second->epoch == held.epoch) {
      ++i;
      continue;
    }
    // Released or taken over behind our back (a reply that got lost).
    auto s = i->first;
    spdlog::warn("cluster: shard {} is no longer ours in the table", s);
    runtime_.route_to(s, {});
    if (!draining_since_ms_.erase(s))
      runtime_.served_changed(s, false);
    runtime_.reset_shard(s);
    i = held_.erase(i);
  }
  served_count_ = held_.size();
}

bool cluster_steward::join(int64_t now_ms) {
  auto& o = options_;
  auto row = store_.join(o.node_id, o.address, o.http_address, o.lease,
                         o.hosts_shards);
  if (!row)
    return false; // the previous incarnation's lease still runs
  auto up = store_.set_status(o.node_id, row->version, member_status::up);
  if (!up)
    return false;
  incarnation_ = up->incarnation;
  joined_ = true;
  runtime_.set_lease_until(now_ms + o.lease.count());
  spdlog::info("cluster: {} joined as incarnation {}", o.node_id,
               up->incarnation);
  return true;
}

bool cluster_steward::renew(int64_t now_ms) {
  if (!store_.renew(options_.node_id, incarnation_, options_.lease)) {
    spdlog::warn("cluster: the lease of incarnation {} was lost; joining "
                 "again",
                 incarnation_.load());
    fence();
    return false;
  }
  runtime_.set_lease_until(now_ms + options_.lease.count());
  return true;
}

void cluster_steward::follow(const persistence::cluster_view& view,
                             int64_t now_ms) {
  auto& me = options_.node_id;
  auto* own = find_member(view.membership, me);
  if (!own || own->incarnation != incarnation_) {
    fence();
    return;
  }
  if (leave_requested_ || own->status == member_status::leaving) {
    if (!leaving_)
      spdlog::info("cluster: {} is leaving, handing its shards off", me);
    leaving_ = true;
  }
  if (leaving_ && own->status == member_status::up)
    store_.set_status(me, own->version, member_status::leaving);

  std::vector<std::string> owners;
  for (const auto& m : view.membership.members)
    if (m.status == member_status::up && m.lease_valid() && m.hosts_shards &&
        !(m.node_id == me && leaving_))
      owners.push_back(m.node_id);
  shard_allocation target{options_.shard_count, std::move(owners)};
  std::unordered_map<int, const persistence::shard_row*> rows;
  for (const auto& row : view.shards)
    rows[row.shard] = &row;

  drop_lost_claims(rows);

  bool settled = true;
  for (size_t s = 0; s < options_.shard_count; ++s) {
    auto mine = target.owner(s) == me && !leaving_;
    if (held_.count(s)) {
      if (!mine)
        hand_off(s, now_ms);
      else if (draining_since_ms_.erase(s) > 0)
        resume(s); // the allocation came back before the release
      continue;
    }
    auto i = rows.find(static_cast<int>(s));
    const persistence::shard_row* row = i == rows.end() ? nullptr : i->second;
    bool taken = row && !row->released && owner_alive(*row, view.membership);
    if (mine && (!taken || row->owner == me)) {
      if (auto claimed =
              store_.claim_shard(static_cast<int>(s), me, incarnation_)) {
        serve(*claimed);
        continue;
      }
    }
    if (taken && row->owner == me && !mine) {
      // A claim whose reply got lost, never served: give it back.
      store_.release_shard(row->shard, me, incarnation_, row->epoch);
    }
    if (!route(s, view))
      settled = false;
  }
  settled_ = settled;
  if (settled)
    settled_once_ = true;
  std::vector<std::string> peers;
  for (const auto& m : view.membership.members)
    if (m.node_id != me && m.status != member_status::down && m.lease_valid())
      peers.push_back(m.address);
  runtime_.peers_seen(peers);

  if (leaving_ && held_.empty()) {
    auto latest = store_.members();
    if (auto* row = find_member(latest, me))
      store_.set_status(me, row->version, member_status::down);
    joined_ = false;
    left_ = true;
    runtime_.set_lease_until(0);
    spdlog::info("cluster: {} has left the cluster", me);
    runtime_.left();
  }
}

void cluster_steward::serve(const persistence::shard_row& claimed) {
  auto s = static_cast<size_t>(claimed.shard);
  spdlog::info("cluster: shard {} served here (epoch {})", s, claimed.epoch);
  held_[s] = claimed;
  runtime_.serve_locally(s);
  served_count_ = held_.size();
  runtime_.served_changed(s, true);
}

void cluster_steward::resume(size_t shard) {
  runtime_.serve_locally(shard);
  runtime_.served_changed(shard, true);
}

void cluster_steward::hand_off(size_t shard, int64_t now_ms) {
  if (!draining_since_ms_.count(shard)) {
    runtime_.drain(shard);
    draining_since_ms_[shard] = now_ms;
    runtime_.served_changed(shard, false);
  }
  if (runtime_.in_flight(shard) > 0 &&
      now_ms - draining_since_ms_[shard] < options_.drain_timeout.count())
    return; // the next tick looks again
  // Stop the entities before anyone else can claim the shard.
  runtime_.reset_shard(shard);
  auto& held = held_[shard];
  store_.release_shard(held.shard, options_.node_id, incarnation_, held.epoch);
  spdlog::info("cluster: shard {} handed off", shard);
  held_.erase(shard);
  draining_since_ms_.erase(shard);
  served_count_ = held_.size();
  runtime_.route_to(shard, {});
}

void cluster_steward::fence() {
  runtime_.set_lease_until(0);
  runtime_.fenced();
  for (auto& [s, row] : held_) {
    runtime_.route_to(s, {});
    runtime_.served_changed(s, false);
    runtime_.reset_shard(s);
  }
  held_.clear();
  draining_since_ms_.clear();
  served_count_ = 0;
  settled_ = false;
  settled_once_ = false;
  joined_ = false;
}

void cluster_steward::release_all() {
  if (!joined_)
    return;
  auto held = held_;
  auto inc = incarnation_.load();
  fence();
  for (auto& [s, row] : held)
    store_.release_shard(row.shard, options_.node_id, inc, row.epoch);
  auto view = store_.members();
  if (auto* own = find_member(view, options_.node_id))
    store_.set_status(options_.node_id, own->version, member_status::down);
}

} // namespace mall::actors
