// The journal's second thread: recoveries of many aggregates per query, and
// snapshots written off the commit path.
#pragma once

#include "persistence/journal.hpp"

#include <pqxx/connection>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mall::persistence {

/// One thread with its own connection. Each round it takes every queued
/// snapshot and writes them in one transaction, then takes every queued
/// recovery and answers them all with one query: however many entities
/// start at once, the database sees a few statements per round, and no
/// caller's thread waits on it. Part of `pg_journal`, which delegates
/// `recover` and `save_snapshot` to it.
class pg_recovery_reader {
public:
  /// `max_batch`: most recoveries per round, and most snapshots per
  /// transaction.
  pg_recovery_reader(std::string url, size_t max_batch);

  /// Answers every queued recovery and writes every queued snapshot (with
  /// error answers if the database is down), then stops the thread.
  ~pg_recovery_reader();

  pg_recovery_reader(const pg_recovery_reader&) = delete;
  pg_recovery_reader& operator=(const pg_recovery_reader&) = delete;

  /// See `journal::recover`; `done` runs on the reader's thread.
  void recover(std::string persistence_id, journal::recovery_callback done);

  /// Queues `snapshot`, written in a transaction with
  /// `synchronous_commit = off`: a snapshot lost in a crash only makes a
  /// later recovery read more events. A newer snapshot is never replaced by
  /// an older one.
  void save_snapshot(const snapshot_record& snapshot);

  /// Snapshots queued so far, for `wait_for_snapshots`.
  uint64_t snapshots_queued();

  /// Blocks until the first `count` snapshots queued have been handled.
  void wait_for_snapshots(uint64_t count);

  /// Rounds that answered recoveries; each costs one query however many
  /// recoveries it answered.
  uint64_t rounds() const { return rounds_.load(); }
  /// Snapshots dropped because writing them failed.
  uint64_t snapshot_failures() const { return snapshot_failures_.load(); }

private:
  struct pending_recovery {
    std::string persistence_id;
    journal::recovery_callback done;
  };

  void recovery_loop();
  /// Reads what every aggregate of `batch` recovers from, in one query.
  std::vector<recovery_record>
  recover_batch(const std::vector<pending_recovery>& batch);
  /// Upserts `snapshots` in one asynchronously committed transaction; on a
  /// data error, one by one so that only the bad ones are dropped.
  void write_snapshots(const std::vector<snapshot_record>& snapshots);
  void upsert_snapshots(const std::vector<snapshot_record>& snapshots);
  /// Runs `fn(pqxx::connection&)` on the thread's connection, connecting
  /// when needed; drops the connection when `fn` throws.
  template<class F> void on_recovery_connection(F&& fn);
  pqxx::connection& recovery_connection();

  std::string url_;
  size_t max_batch_;
  /// Used by the reader's thread only.
  std::unique_ptr<pqxx::connection> recovery_connection_;
  /// Whether the current outage has been logged; reader's thread only.
  bool recovery_outage_logged_ = false;

  std::mutex recovery_mutex_;
  std::condition_variable recovery_queue_changed_;
  std::condition_variable snapshots_written_;
  std::deque<pending_recovery> recoveries_;
  std::deque<snapshot_record> snapshots_;
  uint64_t snapshots_enqueued_ = 0;
  uint64_t snapshots_completed_ = 0;
  bool recovery_stopping_ = false;

  std::atomic<uint64_t> rounds_{0};
  std::atomic<uint64_t> snapshot_failures_{0};

  std::thread thread_;
};

} // namespace mall::persistence
