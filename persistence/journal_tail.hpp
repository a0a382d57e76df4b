// The newest stretch of the journal's commit order, kept in memory for the
// consumers of one node.
#pragma once

#include "persistence/journal.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace mall::persistence {

/// Serves `read_all` from memory where it can. Every consumer of a node
/// reads the same events in the same order, usually right after the same
/// commit: one of them fetches from the database and the others find the
/// events here. Correct because the commit-order stream only ever grows at
/// its end (an event appears after a position only once every earlier
/// transaction has finished), so a contiguous stretch read once stays true.
class journal_tail {
public:
  /// Reads up to `max` events strictly after `after` from the database.
  using fetch_function = std::function<std::vector<event_record>(
      journal_position after, size_t max)>;

  /// Keeps at most `capacity` events; bigger reads go to the database.
  journal_tail(fetch_function fetch, size_t capacity);

  /// Up to `max` events strictly after `after`, in commit order, as
  /// `fetch` would answer now (possibly fewer). Thread-safe. A reader
  /// older than the kept stretch reads from the database directly.
  std::vector<event_record> read(journal_position after, size_t max);

  /// Database reads so far.
  uint64_t fetches() const {
    return end_fetches_.load() + direct_fetches_.load();
  }

private:
  /// Fetches after `end_` into the kept stretch (with `mutex_` held).
  void extend(size_t max);
  /// The kept events after `after`, at most `max` (with `mutex_` held).
  std::vector<event_record> kept_after(journal_position after,
                                       size_t max) const;

  fetch_function fetch_;
  size_t capacity_;
  std::mutex mutex_;
  /// Exactly the events after `from_` up to `end_` (`from_` = `end_` when
  /// empty).
  std::deque<event_record> events_;
  journal_position from_;
  journal_position end_;
  bool started_ = false;
  /// Counts fetches at the end as they start.
  std::atomic<uint64_t> end_fetches_{0};
  /// The last fetch at the end that came back short (the journal held no
  /// more then): a reader at or after its start that waited for the lock
  /// while it ran needs no fetch of its own. A failed fetch leaves it.
  struct exhausting_fetch {
    uint64_t number = 0;
    journal_position from;
  };
  std::optional<exhausting_fetch> last_exhausting_;
  /// Fetches for readers behind the kept stretch.
  std::atomic<uint64_t> direct_fetches_{0};
};

} // namespace mall::persistence
