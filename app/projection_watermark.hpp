// How far a projection has got, for readers that wait for their own write.
#pragma once

#include "persistence/journal.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace mall::app {

/// The last journal position a projection committed. Readers holding a
/// consistency token wait here (bounded) until the view includes it.
class projection_watermark {
public:
  void advance(persistence::journal_position position) {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (current_ < position)
        current_ = position;
    }
    changed_.notify_all();
  }

  /// True once the view includes `position`; false when `wait` ran out.
  bool wait_for(persistence::journal_position position,
                std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock{mutex_};
    return changed_.wait_for(lock, wait, [&] { return position <= current_; });
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  persistence::journal_position current_;
};

} // namespace mall::app
