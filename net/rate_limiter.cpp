#include "net/rate_limiter.hpp"

#include <algorithm>

namespace mall::net {

namespace {

constexpr auto prune_interval = std::chrono::seconds{10};

double seconds_between(rate_limiter::clock::time_point from,
                       rate_limiter::clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

} // namespace

rate_limiter::rate_limiter(double per_second, double burst)
    : per_second_(per_second), burst_(std::max(1.0, burst)) {}

bool rate_limiter::admit(const std::string& key, clock::time_point now) {
  if (per_second_ <= 0)
    return true;
  std::lock_guard<std::mutex> guard{mx_};
  if (now - last_prune_ > prune_interval)
    prune(now);
  auto [it, fresh] = buckets_.try_emplace(key, bucket{burst_, now});
  auto& b = it->second;
  if (!fresh) {
    b.tokens =
        std::min(burst_, b.tokens + seconds_between(b.last, now) * per_second_);
    b.last = std::max(b.last, now);
  }
  if (b.tokens < 1.0)
    return false;
  b.tokens -= 1.0;
  return true;
}

size_t rate_limiter::size() const {
  std::lock_guard<std::mutex> guard{mx_};
  return buckets_.size();
}

void rate_limiter::prune(clock::time_point now) {
  last_prune_ = now;
  auto refill = burst_ / per_second_;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (seconds_between(it->second.last, now) >= refill)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

} // namespace mall::net
