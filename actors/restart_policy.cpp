#include "actors/restart_policy.hpp"

#include <algorithm>

namespace mall::actors {

std::optional<restart_policy::duration>
restart_policy::on_crash(time_point now, const runtime_settings& settings,
                         std::minstd_rand& rng) {
  auto window_start = now - settings.restart_window;
  recent_.erase(std::remove_if(recent_.begin(), recent_.end(),
                               [&](time_point t) { return t <= window_start; }),
                recent_.end());
  if (recent_.size() >= settings.restart_budget)
    return std::nullopt;
  recent_.push_back(now);
  ++total_;
  auto base = settings.restart_backoff_min;
  for (size_t i = 1; i < recent_.size() && base < settings.restart_backoff_max;
       ++i)
    base *= 2;
  auto max_jitter = std::max<int64_t>(base.count() / 4, 0);
  auto jitter = std::uniform_int_distribution<int64_t>{0, max_jitter}(rng);
  return std::min(base + duration{jitter}, settings.restart_backoff_max);
}

restart_policy::time_point
restart_policy::retry_after(const runtime_settings& settings) const {
  if (recent_.empty())
    return time_point{};
  return recent_.front() + settings.restart_window;
}

} // namespace mall::actors
