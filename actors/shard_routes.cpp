#include "actors/shard_routes.hpp"

namespace mall::actors {

namespace {

int64_t nanos(shard_routes::clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

uint8_t raw(route_phase phase) {
  return static_cast<uint8_t>(phase);
}

} // namespace

shard_routes::shard_routes(size_t shard_count)
    : phases_(shard_count), in_flight_(shard_count), owners_(shard_count) {
  for (auto& phase : phases_)
    phase.store(raw(route_phase::remote));
  for (auto& count : in_flight_)
    count.store(0);
}

bool shard_routes::enter_local(size_t shard) {
  // Count first, then look: the membership thread sets `draining` first,
  // then reads the count, so it either sees this command or this command
  // sees `draining` (both sequentially consistent).
  in_flight_[shard].fetch_add(1);
  if (phases_[shard].load() == raw(route_phase::local) && lease_valid())
    return true;
  in_flight_[shard].fetch_sub(1);
  return false;
}

void shard_routes::leave_local(size_t shard) {
  in_flight_[shard].fetch_sub(1);
}

std::optional<shard_routes::owner>
shard_routes::remote_owner(size_t shard) const {
  if (phases_[shard].load() != raw(route_phase::remote))
    return std::nullopt;
  std::lock_guard<std::mutex> guard{owners_mtx_};
  if (owners_[shard].node_id.empty())
    return std::nullopt;
  return owners_[shard];
}

void shard_routes::serve_locally(size_t shard) {
  phases_[shard].store(raw(route_phase::local));
}

void shard_routes::drain(size_t shard) {
  phases_[shard].store(raw(route_phase::draining));
}

void shard_routes::route_to(size_t shard, owner to) {
  {
    std::lock_guard<std::mutex> guard{owners_mtx_};
    owners_[shard] = std::move(to);
  }
  phases_[shard].store(raw(route_phase::remote));
}

route_phase shard_routes::phase(size_t shard) const {
  return static_cast<route_phase>(phases_[shard].load());
}

int64_t shard_routes::in_flight(size_t shard) const {
  return in_flight_[shard].load();
}

void shard_routes::set_lease_until(clock::time_point deadline) {
  lease_until_ns_.store(nanos(deadline));
}

bool shard_routes::lease_valid() const {
  return nanos(clock::now()) < lease_until_ns_.load();
}

} // namespace mall::actors
