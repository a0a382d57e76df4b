#include "app/cluster_membership.hpp"

#include <spdlog/spdlog.h>

namespace mall::app {

namespace {

int64_t nanos(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

} // namespace

cluster_membership::cluster_membership(
    std::shared_ptr<persistence::pg_membership> table,
    cluster_membership_options options)
    : table_(std::move(table)),
      options_(std::move(options)),
      thread_([this] { run(); }) {}

cluster_membership::~cluster_membership() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  stop_requested_.notify_all();
  thread_.join();
}

bool cluster_membership::serving() const {
  return nanos(clock::now()) < serving_until_.load();
}

bool cluster_membership::wait_until_serving(
    std::chrono::milliseconds timeout) const {
  auto deadline = clock::now() + timeout;
  while (!serving() && clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return serving();
}

void cluster_membership::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stopping_) {
    lock.unlock();
    auto sent = clock::now();
    try {
      if (joined_)
        renew(sent);
      else
        join(sent);
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
    stop_requested_.wait_for(lock, options_.lease / 3,
                             [this] { return stopping_; });
  }
  lock.unlock();
  leave();
}

bool cluster_membership::join(clock::time_point sent) {
  auto& o = options_;
  auto row = table_->join(o.node_id, o.address, o.http_address, o.lease);
  if (!row)
    return false; // the previous incarnation's lease still runs
  auto up = table_->set_status(o.node_id, row->version,
                               persistence::member_status::up);
  if (!up)
    return false;
  version_ = up->version;
  incarnation_ = up->incarnation;
  joined_ = true;
  shards_.clear();
  if (!claim_missing())
    return false;
  serving_until_ = nanos(sent + o.lease);
  spdlog::info("cluster: {} joined as incarnation {} with {} shards", o.node_id,
               up->incarnation, shards_.size());
  return true;
}

bool cluster_membership::claim_missing() {
  auto& o = options_;
  for (auto i = shards_.size(); i < o.shard_count; ++i) {
    auto claimed =
        table_->claim_shard(static_cast<int>(i), o.node_id, incarnation_);
    if (!claimed) {
      spdlog::error("cluster: shard {} is held by another live node; not "
                    "serving until it is free",
                    i);
      return false;
    }
    shards_.push_back(*claimed);
  }
  return true;
}

void cluster_membership::renew(clock::time_point sent) {
  auto row = table_->renew(options_.node_id, incarnation_, options_.lease);
  if (!row) {
    spdlog::warn("cluster: the lease of incarnation {} was lost; joining "
                 "again",
                 incarnation_.load());
    fence();
    return;
  }
  version_ = row->version;
  if (claim_missing())
    serving_until_ = nanos(sent + options_.lease);
}

void cluster_membership::fence() {
  serving_until_ = 0;
  joined_ = false;
  shards_.clear();
}

void cluster_membership::leave() {
  if (!joined_)
    return;
  auto held = shards_;
  fence();
  try {
    auto inc = incarnation_.load();
    for (auto& s : held)
      table_->release_shard(s.shard, options_.node_id, inc, s.epoch);
    table_->set_status(options_.node_id, version_,
                       persistence::member_status::down);
  } catch (const std::exception& e) {
    spdlog::warn("cluster: leaving failed, the lease will expire: {}",
                 e.what());
  }
}

} // namespace mall::app
