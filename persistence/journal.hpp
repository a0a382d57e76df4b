// The event journal: the single source of truth and the event bus.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mall::persistence {

/// A place in the journal's commit order. Consumers remember the position of
/// the last event they handled and read strictly after it. Ordered by
/// (`tx`, `offset`): `tx` is the committing transaction (all events of one
/// transaction share it), `offset` the event's global insertion number.
struct journal_position {
  int64_t tx = 0;
  int64_t offset = 0;

  friend bool operator<(const journal_position& a, const journal_position& b) {
    return a.tx < b.tx || (a.tx == b.tx && a.offset < b.offset);
  }
  friend bool operator==(const journal_position& a, const journal_position& b) {
    return a.tx == b.tx && a.offset == b.offset;
  }
  friend bool operator<=(const journal_position& a, const journal_position& b) {
    return !(b < a);
  }
  /// "tx.offset", the form used in consistency tokens and offsets tables.
  std::string to_string() const;
  /// Parses "tx.offset"; std::nullopt when malformed.
  static std::optional<journal_position> parse(const std::string& text);
};

/// One persisted event of one aggregate.
struct event_record {
  /// "<type>|<id>", e.g. "product|p_3f2a".
  std::string persistence_id;
  /// 1, 2, 3, ... per persistence id, without gaps.
  int64_t seq_nr = 0;
  /// Event name, e.g. "StockDecreased".
  std::string type;
  /// The domain's JSON encoding of the event.
  std::string payload;
  /// Trace id of the request that caused the event (may be empty).
  std::string trace_id;
  /// Set by the journal when the event is committed.
  int64_t written_at_ms = 0;
  /// Set by the journal when the event is committed.
  journal_position position;
};

enum class append_status {
  /// Committed: durable.
  ok,
  /// Another writer already stored one of these `(persistence_id, seq_nr)`.
  conflict,
  /// The database failed; nothing of this append was stored.
  failed,
};

/// Outcome of one `append` call.
struct append_result {
  append_status status = append_status::ok;
  std::string message;
  /// Position of the last event appended (valid when `ok`).
  journal_position last_position;
};

/// The latest snapshot of one aggregate.
struct snapshot_record {
  std::string persistence_id;
  int64_t seq_nr = 0;
  std::string payload;
};

/// What one aggregate recovers from: its latest snapshot, if any, and its
/// events from the snapshot's `seq_nr` on (the snapshot's own last event is
/// included so that the recovering entity learns its journal position), or
/// from 1 without a snapshot.
struct recovery_record {
  std::optional<snapshot_record> snapshot;
  std::vector<event_record> events;
  /// Empty when the read worked; otherwise why it failed (and the two
  /// fields above are empty).
  std::string error;
  /// Set when nothing was read because the caller took the entity for new:
  /// its first append confirms that, or conflicts if events exist after all.
  bool assumed_new = false;
};

/// Thrown by synchronous journal reads when the store is unreachable or
/// corrupt. Entity actors let it crash them; their supervisor retries.
struct journal_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Storage for events, snapshots and consumer offsets. Implementations:
/// `pg_journal` (PostgreSQL, group commit) and `memory_journal` (tests).
/// All member functions are thread-safe.
class journal {
public:
  using append_callback = std::function<void(append_result)>;
  using recovery_callback = std::function<void(recovery_record)>;
  using commit_callback = std::function<void(journal_position)>;

  virtual ~journal() = default;

  // -- writing -------------------------------------------------------------

  /// Appends events of one aggregate (same persistence id, consecutive
  /// `seq_nr`) atomically. `done` runs exactly once on a journal thread after
  /// the commit (or failure); it must not block.
  virtual void append(std::vector<event_record> events,
                      append_callback done) = 0;

  /// Blocks until every append and snapshot queued before this call has
  /// completed.
  virtual void flush() = 0;

  // -- reading one aggregate -------------------------------------------------

  /// Events of `persistence_id` with `seq_nr >= from_seq_nr`, in order.
  virtual std::vector<event_record>
  read_events(const std::string& persistence_id, int64_t from_seq_nr) = 0;

  /// Reads what `persistence_id` recovers from, without blocking the
  /// caller: `done` runs exactly once, on a journal thread or before this
  /// call returns, and must not block. Implementations may merge the
  /// recoveries of many aggregates into one query.
  virtual void recover(std::string persistence_id, recovery_callback done) = 0;

  /// Stores a snapshot. It may be written after this call returns (a lost
  /// snapshot only makes a later recovery read more events); `flush` waits
  /// for it. Failures are logged, not thrown.
  virtual void save_snapshot(const snapshot_record& snapshot) = 0;
  virtual std::optional<snapshot_record>
  load_snapshot(const std::string& persistence_id) = 0;

  // -- reading everything in commit order (consumers) ----------------------

  /// Up to `max` committed events strictly after `after`, in commit order.
  /// Never skips an event that commits later with a smaller position.
  virtual std::vector<event_record> read_all(journal_position after,
                                             size_t max) = 0;

  /// Registers `on_commit`, called on a journal thread after each commit
  /// with the position of its last event (a push so consumers need not wait
  /// for their next poll). Must not block.
  virtual void subscribe(commit_callback on_commit) = 0;

  /// Durable consumer offsets: the position of the last event handled.
  virtual journal_position load_offset(const std::string& consumer) = 0;
  virtual void save_offset(const std::string& consumer,
                           journal_position position) = 0;
};

} // namespace mall::persistence
