// The PostgreSQL journal: group commit for writes, batched recoveries and
// asynchronous snapshots, a connection pool for other reads.
#pragma once

#include "persistence/journal.hpp"
#include "persistence/journal_tail.hpp"
#include "persistence/pg_commit_listener.hpp"
#include "persistence/pg_connection_pool.hpp"
#include "persistence/pg_recovery_reader.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace mall::persistence {

/// Settings of a `pg_journal`.
struct pg_journal_options {
  /// libpq URL or keyword string of a migrated database (see `pg_schema`).
  std::string url;
  /// Most events written in one transaction.
  size_t max_batch_events = 2000;
  /// Writer threads, each with its own connection and transaction. One
  /// takes whatever queued while the previous commit ran; a second one
  /// starts a batch beside it only once `parallel_batch_events` wait, so
  /// under heavy load the server parses one COPY while it flushes the other
  /// commit's WAL, and light load still gets one transaction at a time.
  size_t writer_connections = 2;
  size_t parallel_batch_events = 200;
  /// Connections for reads, snapshots and offsets.
  size_t read_connections = 4;
  /// Newest events kept in memory for `read_all`, so that the consumers of
  /// a node read each event from the database once (`journal_tail`).
  size_t tail_events = 10000;
  /// How long the writer may stay idle before it checks its connection
  /// with `SELECT 1`, so that `healthy` notices a lost database even when
  /// nothing is written.
  std::chrono::milliseconds probe_interval{1000};
  /// Most recoveries answered by one round of the recovery thread, and most
  /// snapshots written in one transaction.
  size_t max_recovery_batch = 1000;
  /// Fencing for a cluster node; 0 = off. A write transaction of this node
  /// that stalls longer than this (the process frozen mid-commit) is ended
  /// by the server (`idle_in_transaction_session_timeout`; a statement is
  /// cut at twice this), so its row locks never hold up the node that
  /// takes its entities over for long; keep it at half the lease.
  std::chrono::milliseconds stall_timeout{0};
  /// Asked right before each COMMIT; false aborts the batch (its appends
  /// fail, so their entities recover). A node that lost its lease thus
  /// never commits what it decided before.
  std::function<bool()> may_commit{};
  /// Non-empty in a cluster: every commit is announced on this PostgreSQL
  /// channel, and the announcements of every node's writer (this one's
  /// included) reach `subscribe`rs, so that consumers wake up right after a
  /// commit wherever it happened.
  std::string commit_channel{};
  /// Asked before each announcement on `commit_channel`: false skips it.
  /// A node alone wakes its own consumers directly, and every NOTIFY costs
  /// the server a commit-time lock that serializes the writers' commits.
  /// Empty: always announce.
  std::function<bool()> peers_listening{};
};

/// `journal` on PostgreSQL. A writer thread with its own connection takes
/// every queued append (up to `max_batch_events` events) as soon as the
/// previous commit returned and writes them in one transaction: a commit
/// costs one WAL flush however many entities wait on it. Under heavy load
/// more writers (`writer_connections`) commit side by side; an entity has
/// one append in flight at a time, so its events still commit in order, and
/// readers only see a transaction once every older one has finished. When a
/// batch hits the `(persistence_id, seq_nr)` key, its appends are retried one
/// by one so that only the conflicting one is rejected. The writer also probes
/// its connection when idle, which keeps `healthy` current.
///
/// A `pg_recovery_reader`, with its own thread and connection, recovers
/// aggregates in batches and writes snapshots.
class pg_journal : public journal {
public:
  explicit pg_journal(pg_journal_options options);

  /// Completes every queued append, recovery and snapshot, then stops the
  /// threads.
  ~pg_journal() override;

  pg_journal(const pg_journal&) = delete;
  pg_journal& operator=(const pg_journal&) = delete;

  // -- journal ---------------------------------------------------------------

  /// `done` runs on the writer thread. It must not block, and must not call
  /// `flush` (which would wait for itself).
  void append(std::vector<event_record> events, append_callback done) override;
  void flush() override;

  // -- fencing ----------------------------------------------------------------

  /// This node lost its cluster lease: every append queued until now fails
  /// instead of committing, even if a new lease is granted before the
  /// writer gets to it (the entities that decided them may be stale).
  void fence() { fence_epoch_.fetch_add(1); }
  std::vector<event_record> read_events(const std::string& persistence_id,
                                        int64_t from_seq_nr) override;
  /// `done` runs on the recovery thread, or at once for an id that cannot
  /// have been stored (one with a NUL character). It must not block.
  void recover(std::string persistence_id, recovery_callback done) override;
  /// Queued for the recovery thread, which writes it with
  /// `synchronous_commit = off`: a snapshot lost in a crash only makes a
  /// recovery read more events.
  void save_snapshot(const snapshot_record& snapshot) override;
  std::optional<snapshot_record>
  load_snapshot(const std::string& persistence_id) override;
  std::vector<event_record> read_all(journal_position after,
                                     size_t max) override;
  void subscribe(commit_callback on_commit) override;
  journal_position load_offset(const std::string& consumer) override;
  void save_offset(const std::string& consumer,
                   journal_position position) override;

  // -- metrics ---------------------------------------------------------------

  /// Transactions committed by the writer.
  uint64_t commits() const { return commits_.load(); }
  /// Appends rejected because another writer stored the same seq_nr.
  uint64_t conflicts() const { return conflicts_.load(); }
  /// Appends that failed for any other reason.
  uint64_t failures() const { return failures_.load(); }
  /// Rounds of the recovery thread that answered recoveries; each costs one
  /// query however many recoveries it answered.
  uint64_t recovery_rounds() const { return recovery_.rounds(); }
  /// Snapshots dropped because writing them failed.
  uint64_t snapshot_failures() const { return recovery_.snapshot_failures(); }

  // -- health ----------------------------------------------------------------

  /// Whether every writer's last contact with the database worked: false
  /// before its first connection and after a failed connect, probe or
  /// commit; true again after the next success. Cheap and thread-safe, for
  /// readiness checks.
  bool healthy() const;

private:
  struct pending_append {
    std::vector<event_record> events;
    append_callback done;
    /// `fence_epoch_` when it was queued.
    uint64_t epoch = 0;
    /// 1, 2, 3, ... in the order of `append` calls.
    uint64_t ticket = 0;
  };

  /// One writer thread's connection; used by that thread only.
  struct writer_lane {
    std::unique_ptr<pqxx::connection> connection;
    /// Whether the current outage has been logged.
    bool outage_logged = false;
    /// Whether this writer's last contact with the database worked.
    std::atomic<bool> healthy{false};
  };

  void write_loop(writer_lane& lane);
  /// Whether `write_loop` may take a batch now (with `queue_mutex_` held).
  bool may_take_batch() const;
  std::vector<pending_append> take_batch();
  std::vector<append_result> write_batch(writer_lane& lane,
                                         std::vector<pending_append>& batch);
  void write_one_by_one(writer_lane& lane, std::vector<pending_append>& batch,
                        const std::vector<size_t>& valid,
                        std::vector<append_result>& results);
  /// Inserts the events of `batch[valid...]` and commits; returns the
  /// position of each append's last event.
  std::vector<journal_position>
  insert_and_commit(writer_lane& lane, std::vector<pending_append>& batch,
                    const std::vector<size_t>& valid);
  pqxx::connection& writer_connection(writer_lane& lane);
  /// Runs `SELECT 1` on the lane's connection (connecting when needed) and
  /// records the outcome in the lane's `healthy`.
  void probe(writer_lane& lane);
  void notify_subscribers(journal_position at);

  template<class F> auto read(const char* what, F&& fn);
  /// `read_all` from the database.
  std::vector<event_record> fetch_all(journal_position after, size_t max);

  pg_journal_options options_;
  pg_connection_pool readers_;

  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::condition_variable completed_changed_;
  std::deque<pending_append> queue_;
  /// Events in `queue_`.
  size_t queued_events_ = 0;
  /// Writers between taking a batch and answering it.
  size_t busy_writers_ = 0;
  std::atomic<uint64_t> fence_epoch_{0};
  uint64_t enqueued_ = 0;
  /// The first ticket of each batch being written: with two writers,
  /// batches finish out of order, so `flush` waits for the oldest.
  std::set<uint64_t> running_batches_;
  bool stopping_ = false;

  std::mutex subscribers_mutex_;
  std::vector<commit_callback> subscribers_;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> conflicts_{0};
  std::atomic<uint64_t> failures_{0};

  pg_recovery_reader recovery_;
  journal_tail tail_;

  std::vector<writer_lane> lanes_;
  std::vector<std::thread> writer_threads_;
  /// Last, so that it stops first (it calls `notify_subscribers`).
  std::unique_ptr<pg_commit_listener> listener_;
};

} // namespace mall::persistence
