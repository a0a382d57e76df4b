// `POST /admin/chaos/schedule`: crashes on a timer, for resilience tests.
#pragma once

#include "net/admin_operations.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace mall::app {

/// Runs one `chaos_plan` at a time on `executor`: one crash every
/// 1/`per_second` seconds, through the plan's targets in turn, until it made
/// `per_second` × `duration_s` of them (at least one) or is stopped.
/// Thread-safe. Stop it before the executor's threads are joined.
class chaos_schedule {
public:
  /// Makes one crash of `target` (`id` empty: any one).
  using crash_function =
      std::function<void(const std::string& target, const std::string& id)>;

  struct state {
    bool running = false;
    /// Crashes made by the current (or last) plan.
    uint64_t crashed = 0;
    /// Crashes the current (or last) plan makes in all.
    uint64_t planned = 0;
  };

  chaos_schedule(boost::asio::any_io_executor executor, crash_function crash);

  /// Starts `plan` (valid, with targets), replacing one that runs; the
  /// first crash comes after one interval. Returns how many it will make.
  uint64_t start(net::chaos_plan plan);
  /// Stops the running plan; returns the state it stopped in.
  state stop();
  state current() const;

private:
  void arm();
  void tick(uint64_t generation);

  crash_function crash_;
  mutable std::mutex mutex_;
  boost::asio::steady_timer timer_;
  net::chaos_plan plan_;
  std::chrono::steady_clock::duration interval_{};
  std::chrono::steady_clock::time_point next_at_;
  /// Bumped by every start and stop, so that a tick already on its way for
  /// an older plan does nothing.
  uint64_t generation_ = 0;
  size_t next_target_ = 0;
  state state_;
};

} // namespace mall::app
