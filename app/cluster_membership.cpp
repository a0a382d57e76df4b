#include "app/cluster_membership.hpp"

#include <spdlog/spdlog.h>

namespace mall::app {

namespace {

using clock = std::chrono::steady_clock;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             clock::now().time_since_epoch())
      .count();
}

} // namespace

// -- the runtime the steward drives -------------------------------------------

void cluster_membership::runtime::set_lease_until(int64_t deadline_ms) {
  routes_.set_lease_until(
      clock::time_point{std::chrono::milliseconds(deadline_ms)});
}

void cluster_membership::runtime::serve_locally(size_t shard) {
  routes_.serve_locally(shard);
}

void cluster_membership::runtime::drain(size_t shard) {
  routes_.drain(shard);
}

void cluster_membership::runtime::route_to(size_t shard,
                                           actors::shard_routes::owner to) {
  routes_.route_to(shard, std::move(to));
}

int64_t cluster_membership::runtime::in_flight(size_t shard) {
  return routes_.in_flight(shard);
}

void cluster_membership::runtime::reset_shard(size_t shard) {
  if (hooks_.reset_shard)
    hooks_.reset_shard(shard);
}

void cluster_membership::runtime::served_changed(size_t shard, bool served) {
  if (hooks_.served_changed)
    hooks_.served_changed(shard, served);
}

void cluster_membership::runtime::peers_seen(
    const std::vector<std::string>& addresses) {
  if (hooks_.peers_seen)
    hooks_.peers_seen(addresses);
}

void cluster_membership::runtime::fenced() {
  if (hooks_.fenced)
    hooks_.fenced();
}

void cluster_membership::runtime::left() {
  if (hooks_.left)
    hooks_.left();
}

// -- the thread ---------------------------------------------------------------

cluster_membership::cluster_membership(
    std::shared_ptr<persistence::membership_store> table,
    std::shared_ptr<actors::shard_routes> routes,
    cluster_membership_options options, cluster_membership_hooks hooks)
    : table_(std::move(table)),
      routes_(std::move(routes)),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      runtime_(*routes_, hooks_),
      steward_(*table_, runtime_, options_.steward),
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
  while (!steward_.has_left() && clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return steward_.has_left();
}

void cluster_membership::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  while (!stopping_) {
    lock.unlock();
    try {
      steward_.tick(now_ms());
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
  try {
    steward_.release_all();
  } catch (const std::exception& e) {
    spdlog::warn("cluster: leaving failed, the lease will expire: {}",
                 e.what());
  }
}

} // namespace mall::app
