// Per-client request budgets (token buckets), so that a flood gets 429.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mall::net {

/// Lets each key (a client address) make `per_second` requests per second on
/// average and up to `burst` at once. Thread-safe. A rate of 0 disables it.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  rate_limiter(double per_second, double burst);

  /// Takes one request from `key`'s budget; false when it is spent.
  bool admit(const std::string& key, clock::time_point now);

  /// Keys currently tracked.
  size_t size() const;

private:
  struct bucket {
    double tokens;
    clock::time_point last;
  };

  // Forgets keys whose bucket has refilled: they look like new keys anyway.
  void prune(clock::time_point now);

  double per_second_;
  double burst_;
  mutable std::mutex mx_;
  std::unordered_map<std::string, bucket> buckets_;
  clock::time_point last_prune_;
};

} // namespace mall::net
