#include "app/chaos_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace mall::app {

chaos_schedule::chaos_schedule(boost::asio::any_io_executor executor,
                               crash_function crash)
    : crash_(std::move(crash)), timer_(std::move(executor)) {}

uint64_t chaos_schedule::start(net::chaos_plan plan) {
  std::lock_guard<std::mutex> guard{mutex_};
  ++generation_;
  plan_ = std::move(plan);
  interval_ = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / plan_.per_second));
  state_ =
      state{true, 0,
            std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(
                                      plan_.per_second * plan_.duration_s)))};
  next_target_ = 0;
  next_at_ = std::chrono::steady_clock::now();
  arm();
  return state_.planned;
}

chaos_schedule::state chaos_schedule::stop() {
  std::lock_guard<std::mutex> guard{mutex_};
  ++generation_;
  timer_.cancel();
  auto stopped = state_;
  state_.running = false;
  return stopped;
}

chaos_schedule::state chaos_schedule::current() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return state_;
}

void chaos_schedule::arm() {
  // From the planned time, not from now: the rate holds however long the
  // crashes take.
  next_at_ += interval_;
  timer_.expires_at(next_at_);
  timer_.async_wait(
      [this, generation = generation_](const boost::system::error_code& ec) {
        if (!ec)
          tick(generation);
      });
}

void chaos_schedule::tick(uint64_t generation) {
  std::pair<std::string, std::string> target;
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (generation != generation_ || !state_.running)
      return;
    target = plan_.targets[next_target_];
    next_target_ = (next_target_ + 1) % plan_.targets.size();
    if (++state_.crashed >= state_.planned)
      state_.running = false;
    else
      arm();
  }
  crash_(target.first, target.second);
}

} // namespace mall::app
