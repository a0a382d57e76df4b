// What a consumer's reader learns from the journal's commit pushes.
#pragma once

#include "persistence/journal.hpp"

#include <atomic>
#include <mutex>

namespace mall::actors {

/// Shared by the journal's push callback (any thread) and one consumer's
/// reader: the position of the latest commit pushed, and whether a wake-up
/// is already on its way (so that pushes send at most one message however
/// fast commits arrive).
///
/// The latest position also tells the reader when a read came back short:
/// `read_all` holds back events that committed while an older transaction
/// was still running, and no push follows when that transaction ends. A
/// reader behind `latest()` reads again soon instead of waiting for its
/// poll.
class commit_signal {
public:
  /// Records a commit; true when the caller should wake the reader.
  bool on_commit(persistence::journal_position at) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (latest_ < at)
        latest_ = at;
    }
    return !pending_.exchange(true);
  }

  /// Called by the reader before it reads: later pushes wake it again.
  void clear() { pending_.store(false); }

  /// Whether a push since the last `clear` is waking the reader anyway.
  bool pending() const { return pending_.load(); }

  persistence::journal_position latest() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return latest_;
  }

private:
  std::atomic<bool> pending_{false};
  mutable std::mutex mtx_;
  persistence::journal_position latest_;
};

} // namespace mall::actors
