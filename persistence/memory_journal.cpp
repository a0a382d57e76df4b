#include "persistence/memory_journal.hpp"

#include <algorithm>
#include <chrono>

namespace mall::persistence {

namespace {

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count();
}

/// Whether `events` share one persistence id and continue `stored` events
/// with consecutive sequence numbers.
bool well_formed(const std::vector<event_record>& events, int64_t stored) {
  auto expected = stored + 1;
  for (auto& ev : events)
    if (ev.persistence_id != events.front().persistence_id ||
        ev.seq_nr != expected++)
      return false;
  return true;
}

} // namespace

// -- journal ------------------------------------------------------------------

void memory_journal::append(std::vector<event_record> events,
                            append_callback done) {
  append_result result;
  std::shared_ptr<const subscribers> to_notify;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (failing_appends_ > 0) {
      --failing_appends_;
      result.status = append_status::failed;
      result.message = "injected append failure";
    } else if (!events.empty()) {
      auto& stream = streams_[events.front().persistence_id];
      auto stored = static_cast<int64_t>(stream.size());
      if (events.front().seq_nr <= stored) {
        // The unique key (persistence_id, seq_nr): another writer was first.
        result.status = append_status::conflict;
        result.message = "seq_nr " + std::to_string(events.front().seq_nr) +
                         " of " + events.front().persistence_id +
                         " already written";
      } else if (!well_formed(events, stored)) {
        result.status = append_status::failed;
        result.message = "events must continue one persistence id without "
                         "gaps";
      } else {
        auto tx = ++last_tx_;
        auto now = wall_clock_ms();
        for (auto& ev : events) {
          ev.position = journal_position{tx, ++last_offset_};
          ev.written_at_ms = now;
          stream.push_back(log_.size());
          log_.push_back(std::move(ev));
        }
        result.last_position = log_.back().position;
        to_notify = subscribers_;
      }
    }
  }
  auto committed_at = result.last_position;
  done(std::move(result));
  if (to_notify)
    for (auto& notify : *to_notify)
      notify(committed_at);
}

void memory_journal::flush() {
  // Appends complete synchronously: nothing is ever queued.
}

std::vector<event_record>
memory_journal::read_events(const std::string& persistence_id,
                            int64_t from_seq_nr) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (failing_reads_ > 0) {
    --failing_reads_;
    throw journal_error("injected read failure");
  }
  return stream_from(persistence_id, from_seq_nr);
}

void memory_journal::recover(std::string persistence_id,
                             recovery_callback done) {
  recovery_record result;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (failing_reads_ > 0) {
      --failing_reads_;
      result.error = "injected read failure";
    } else {
      int64_t from = 1;
      if (auto i = snapshots_.find(persistence_id); i != snapshots_.end()) {
        result.snapshot = i->second;
        from = i->second.seq_nr;
      }
      result.events = stream_from(persistence_id, from);
    }
  }
  // Outside the lock: `done` may call back into the journal.
  done(std::move(result));
}

void memory_journal::save_snapshot(const snapshot_record& snapshot) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& slot = snapshots_[snapshot.persistence_id];
  if (slot.seq_nr <= snapshot.seq_nr)
    slot = snapshot;
}

std::optional<snapshot_record>
memory_journal::load_snapshot(const std::string& persistence_id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = snapshots_.find(persistence_id);
  if (i == snapshots_.end())
    return std::nullopt;
  return i->second;
}

std::vector<event_record> memory_journal::read_all(journal_position after,
                                                   size_t max) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto first =
      std::upper_bound(log_.begin(), log_.end(), after,
                       [](const journal_position& pos, const event_record& ev) {
                         return pos < ev.position;
                       });
  auto n = std::min(max, static_cast<size_t>(log_.end() - first));
  return std::vector<event_record>(first, first + n);
}

void memory_journal::subscribe(commit_callback on_commit) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto next = std::make_shared<subscribers>(*subscribers_);
  next->push_back(std::move(on_commit));
  subscribers_ = std::move(next);
}

journal_position memory_journal::load_offset(const std::string& consumer) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = offsets_.find(consumer);
  return i == offsets_.end() ? journal_position{} : i->second;
}

void memory_journal::save_offset(const std::string& consumer,
                                 journal_position position) {
  std::lock_guard<std::mutex> guard{mtx_};
  offsets_[consumer] = position;
}

std::vector<event_record>
memory_journal::stream_from(const std::string& persistence_id,
                            int64_t from_seq_nr) const {
  std::vector<event_record> result;
  auto i = streams_.find(persistence_id);
  if (i == streams_.end())
    return result;
  auto first = static_cast<size_t>(std::max<int64_t>(from_seq_nr, 1) - 1);
  for (auto k = first; k < i->second.size(); ++k)
    result.push_back(log_[i->second[k]]);
  return result;
}

// -- failure injection --------------------------------------------------------

void memory_journal::fail_next_appends(size_t n) {
  std::lock_guard<std::mutex> guard{mtx_};
  failing_appends_ = n;
}

void memory_journal::fail_next_reads(size_t n) {
  std::lock_guard<std::mutex> guard{mtx_};
  failing_reads_ = n;
}

// -- inspection ---------------------------------------------------------------

size_t memory_journal::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return log_.size();
}

} // namespace mall::persistence
