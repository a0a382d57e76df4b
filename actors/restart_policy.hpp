// When to restart a crashed child, and when to give up.
#pragma once

#include "actors/runtime_settings.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace mall::actors {

/// Restart bookkeeping of one supervised child: at most
/// `settings.restart_budget` restarts within `settings.restart_window`, each
/// after an exponential backoff (doubling per restart in the window) plus up
/// to 25% random jitter, capped at `restart_backoff_max`.
class restart_policy {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::milliseconds;

  /// Records a crash at `now`. Returns the delay before the restart, or
  /// std::nullopt when the budget of the current window is spent.
  std::optional<duration> on_crash(time_point now,
                                   const runtime_settings& settings,
                                   std::minstd_rand& rng);

  /// Restarts within the window as of the last `on_crash`.
  size_t recent_restarts() const noexcept { return recent_.size(); }

  /// All restarts ever.
  uint64_t total_restarts() const noexcept { return total_; }

  /// When a failed child may be started again (valid after `on_crash`
  /// returned std::nullopt): the oldest restart leaves the window.
  time_point retry_after(const runtime_settings& settings) const;

  /// Forgets the window (not the total), e.g. once a failed child is retried.
  void reset_window() { recent_.clear(); }

private:
  std::vector<time_point> recent_;
  uint64_t total_ = 0;
};

} // namespace mall::actors
