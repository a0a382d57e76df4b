// An in-memory journal with the semantics of the PostgreSQL one, for tests,
// benchmarks and single-process demos.
#pragma once

#include "persistence/journal.hpp"

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace mall::persistence {

/// A thread-safe `journal` kept in memory. Every `append` is its own
/// transaction: it gets the next `tx`, each event the next `offset`. The
/// completion callback and then the subscribers run synchronously inside
/// `append`, after the commit and outside the lock.
class memory_journal : public journal {
public:
  // -- journal ---------------------------------------------------------------

  void append(std::vector<event_record> events, append_callback done) override;
  void flush() override;
  std::vector<event_record> read_events(const std::string& persistence_id,
                                        int64_t from_seq_nr) override;
  /// Answers before returning.
  void recover(std::string persistence_id, recovery_callback done) override;
  void save_snapshot(const snapshot_record& snapshot) override;
  std::optional<snapshot_record>
  load_snapshot(const std::string& persistence_id) override;
  std::vector<event_record> read_all(journal_position after,
                                     size_t max) override;
  void subscribe(commit_callback on_commit) override;
  journal_position load_offset(const std::string& consumer) override;
  void save_offset(const std::string& consumer,
                   journal_position position) override;

  // -- failure injection -----------------------------------------------------

  /// The next `n` appends fail with `append_status::failed`, storing nothing.
  void fail_next_appends(size_t n);
  /// The next `n` reads fail: `read_events` throws `journal_error`,
  /// `recover` answers with an error.
  void fail_next_reads(size_t n);

  // -- inspection ------------------------------------------------------------

  /// Number of events stored.
  size_t size() const;

private:
  using subscribers = std::vector<commit_callback>;

  /// Events of `persistence_id` from `from_seq_nr` on; `mtx_` held.
  std::vector<event_record> stream_from(const std::string& persistence_id,
                                        int64_t from_seq_nr) const;

  mutable std::mutex mtx_;
  /// All events in commit order; positions grow with the index. A deque:
  /// growing never moves what is stored (a vector's reallocation showed in
  /// the entity benchmark).
  std::deque<event_record> log_;
  /// Per persistence id, indexes into `log_` in `seq_nr` order.
  std::unordered_map<std::string, std::vector<size_t>> streams_;
  std::unordered_map<std::string, snapshot_record> snapshots_;
  std::map<std::string, journal_position> offsets_;
  /// Replaced, never mutated, so `append` can call it outside the lock.
  std::shared_ptr<const subscribers> subscribers_ =
      std::make_shared<subscribers>();
  int64_t last_tx_ = 0;
  int64_t last_offset_ = 0;
  size_t failing_appends_ = 0;
  size_t failing_reads_ = 0;
};

} // namespace mall::persistence
