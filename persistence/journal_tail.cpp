#include "persistence/journal_tail.hpp"

#include <algorithm>

namespace mall::persistence {

journal_tail::journal_tail(fetch_function fetch, size_t capacity)
    : fetch_(std::move(fetch)), capacity_(std::max<size_t>(1, capacity)) {}

std::vector<event_record> journal_tail::read(journal_position after,
                                             size_t max) {
  if (max == 0)
    return {};
  auto arrived = end_fetches_.load();
  std::unique_lock<std::mutex> lock{mutex_};
  if ((started_ && after < from_) || max > capacity_) {
    // Behind the kept stretch (a replay, a consumer far behind), or more
    // than it keeps: its own query, without holding up the readers at the
    // end.
    lock.unlock();
    ++direct_fetches_;
    return fetch_(after, max);
  }
  if (!started_ || end_ < after) {
    // Nothing kept that leads up to `after`: start a new stretch there.
    events_.clear();
    from_ = end_ = after;
    started_ = true;
  }
  auto result = kept_after(after, max);
  // At the end: fetch, unless a fetch that started after this reader
  // arrived, from at or before `after`, found the journal exhausted; it
  // answered at least as freshly as this reader's own would.
  auto answered = last_exhausting_ && last_exhausting_->number > arrived &&
                  last_exhausting_->from <= after;
  if (result.empty() && !answered) {
    extend(max);
    result = kept_after(after, max);
  }
  return result;
}

void journal_tail::extend(size_t max) {
  auto number = ++end_fetches_;
  auto from = end_;
  auto fetched = fetch_(from, max);
  if (fetched.size() < max)
    last_exhausting_ = exhausting_fetch{number, from};
  for (auto& event : fetched) {
    end_ = event.position;
    events_.push_back(std::move(event));
  }
  while (events_.size() > capacity_) {
    from_ = events_.front().position;
    events_.pop_front();
  }
}

std::vector<event_record> journal_tail::kept_after(journal_position after,
                                                   size_t max) const {
  auto first =
      std::upper_bound(events_.begin(), events_.end(), after,
                       [](const journal_position& p, const event_record& e) {
                         return p < e.position;
                       });
  auto count =
      std::min<size_t>(max, static_cast<size_t>(events_.end() - first));
  return std::vector<event_record>(first, first + count);
}

} // namespace mall::persistence
