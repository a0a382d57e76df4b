// How far a projection has got, for readers that wait for their own write.
#pragma once

#include "persistence/journal.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace mall::app {

/// The last journal position a projection committed. Readers holding a
/// consistency token wait here (bounded) until the view includes it.
///
/// In a cluster the projection runs on one node only; the others learn its
/// progress through `reload` (its durable offset, read from the store),
/// which a waiting reader calls every `reload_every`.
class projection_watermark {
public:
  using reload_function = std::function<persistence::journal_position()>;

  explicit projection_watermark(
      reload_function reload = {},
      std::chrono::milliseconds reload_every = std::chrono::milliseconds(10))
      : reload_(std::move(reload)), reload_every_(reload_every) {}

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
    auto deadline = std::chrono::steady_clock::now() + wait;
    auto reached = [&] { return position <= current_; };
    std::unique_lock<std::mutex> lock{mutex_};
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      if (reached() || now >= deadline)
        return reached();
      auto slice = reload_ ? std::min<std::chrono::steady_clock::duration>(
                                 deadline - now, reload_every_)
                           : deadline - now;
      if (changed_.wait_for(lock, slice, reached))
        return true;
      if (!reload_)
        continue;
      lock.unlock();
      try {
        advance(reload_());
      } catch (const std::exception&) {
        // The store is unreachable: the reader gets the view as it is.
      }
      lock.lock();
    }
  }

private:
  reload_function reload_;
  std::chrono::milliseconds reload_every_;
  std::mutex mutex_;
  std::condition_variable changed_;
  persistence::journal_position current_;
};

} // namespace mall::app
