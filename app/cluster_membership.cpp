#include "app/cluster_membership.hpp"

#include "actors/shard_allocation.hpp"

#include <spdlog/spdlog.h>

#include <unordered_map>

namespace mall::app {

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

cluster_membership::cluster_membership(
    std::shared_ptr<persistence::pg_membership> table,
    std::shared_ptr<actors::shard_routes> routes,
    cluster_membership_options options, cluster_membership_hooks hooks)
    : table_(std::move(table)),
      routes_(std::move(routes)),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      thread_([this] { run(); }) {}

cluster_membership::~cluster_membership() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

bool cluster_membership::wait_until_ready(
    std::chrono::milliseconds timeout) const {
  auto deadline = clock::now() + timeout;
  while (!ready() && clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return ready();
}

bool cluster_membership::wait_until_left(
    std::chrono::milliseconds timeout) const {
  auto deadline = clock::now() + timeout;
  while (!left_ && clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return left_;
}

void cluster_membership::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stopping_) {
    lock.unlock();
    auto sent = clock::now();
    try {
      if (!left_)
        tick(sent);
      if (outage_logged_)
        spdlog::info("cluster table reachable again");
      outage_logged_ = false;
    } catch (const std::exception& e) {
      if (!outage_logged_)
        spdlog::warn("cluster table unreachable, the lease runs out: {}",
                     e.what());
      outage_logged_ = true;
    }
    lock.lock();
    stop_requested_.wait_for(lock, options_.tick, [this] { return stopping_; });
  }
  lock.unlock();
  release_all();
}

void cluster_membership::tick(clock::time_point sent) {
  if (!(joined_ ? renew(sent) : join(sent)))
    return;
  follow(table_->snapshot());
}

bool cluster_membership::join(clock::time_point sent) {
  auto& o = options_;
  auto row = table_->join(o.node_id, o.address, o.http_address, o.lease);
  if (!row)
    return false; // the previous incarnation's lease still runs
  auto up = table_->set_status(o.node_id, row->version, member_status::up);
  if (!up)
    return false;
  incarnation_ = up->incarnation;
  joined_ = true;
  routes_->set_lease_until(sent + o.lease);
  spdlog::info("cluster: {} joined as incarnation {}", o.node_id,
               up->incarnation);
  return true;
}

bool cluster_membership::renew(clock::time_point sent) {
  auto row = table_->renew(options_.node_id, incarnation_, options_.lease);
  if (!row) {
    spdlog::warn("cluster: the lease of incarnation {} was lost; joining "
                 "again",
                 incarnation_.load());
    fence();
    return false;
  }
  routes_->set_lease_until(sent + options_.lease);
  return true;
}

void cluster_membership::follow(const persistence::cluster_view& view) {
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
    table_->set_status(me, own->version, member_status::leaving);

  std::vector<std::string> owners;
  for (const auto& m : view.membership.members)
    if (m.status == member_status::up && m.lease_valid() &&
        !(m.node_id == me && leaving_))
      owners.push_back(m.node_id);
  actors::shard_allocation target{options_.shard_count, std::move(owners)};
  std::unordered_map<int, const persistence::shard_row*> rows;
  for (const auto& row : view.shards)
    rows[row.shard] = &row;

  auto now = clock::now();
  bool settled = true;
  for (size_t s = 0; s < options_.shard_count; ++s) {
    auto mine = target.owner(s) == me && !leaving_;
    if (held_.count(s)) {
      if (!mine)
        hand_off(s, now);
      continue;
    }
    auto i = rows.find(static_cast<int>(s));
    const persistence::shard_row* row = i == rows.end() ? nullptr : i->second;
    bool taken = row && !row->released && owner_alive(*row, view.membership);
    if (mine && (!taken || row->owner == me)) {
      if (auto claimed =
              table_->claim_shard(static_cast<int>(s), me, incarnation_)) {
        serve(*claimed);
        continue;
      }
    }
    if (taken && row->owner != me) {
      auto* owner = find_member(view.membership, row->owner);
      routes_->route_to(s, {row->owner, owner->address});
    } else {
      routes_->route_to(s, {});
      settled = false;
    }
  }
  settled_ = settled;

  if (leaving_ && held_.empty() && !left_) {
    auto latest = table_->members();
    if (auto* row = find_member(latest, me))
      table_->set_status(me, row->version, member_status::down);
    joined_ = false;
    left_ = true;
    routes_->set_lease_until({});
    spdlog::info("cluster: {} has left the cluster", me);
    if (hooks_.left)
      hooks_.left();
  }
}

void cluster_membership::serve(const persistence::shard_row& claimed) {
  auto s = static_cast<size_t>(claimed.shard);
  held_[s] = claimed;
  routes_->serve_locally(s);
  served_count_ = held_.size();
  if (hooks_.served_changed)
    hooks_.served_changed(s, true);
}

void cluster_membership::hand_off(size_t shard, clock::time_point now) {
  if (routes_->phase(shard) == actors::route_phase::local) {
    routes_->drain(shard);
    draining_since_[shard] = now;
    if (hooks_.served_changed)
      hooks_.served_changed(shard, false);
  }
  if (routes_->in_flight(shard) > 0 &&
      now - draining_since_[shard] < options_.drain_timeout)
    return; // the next tick looks again
  // Stop the entities before anyone else can claim the shard.
  if (hooks_.reset_shard)
    hooks_.reset_shard(shard);
  auto& held = held_[shard];
  table_->release_shard(held.shard, options_.node_id, incarnation_, held.epoch);
  held_.erase(shard);
  draining_since_.erase(shard);
  served_count_ = held_.size();
  routes_->route_to(shard, {});
}

void cluster_membership::fence() {
  routes_->set_lease_until({});
  for (auto& [s, row] : held_) {
    routes_->route_to(s, {});
    if (hooks_.served_changed)
      hooks_.served_changed(s, false);
    if (hooks_.reset_shard)
      hooks_.reset_shard(s);
  }
  held_.clear();
  draining_since_.clear();
  served_count_ = 0;
  settled_ = false;
  joined_ = false;
}

void cluster_membership::release_all() {
  if (!joined_)
    return;
  auto held = held_;
  auto inc = incarnation_.load();
  fence();
  try {
    for (auto& [s, row] : held)
      table_->release_shard(row.shard, options_.node_id, inc, row.epoch);
    auto view = table_->members();
    if (auto* own = find_member(view, options_.node_id))
      table_->set_status(options_.node_id, own->version, member_status::down);
  } catch (const std::exception& e) {
    spdlog::warn("cluster: leaving failed, the lease will expire: {}",
                 e.what());
  }
}

} // namespace mall::app
