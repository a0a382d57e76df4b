// Reading the journal's committed events in order: the event bus side.
#pragma once

#include "actors/runtime_settings.hpp"
#include "persistence/journal.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"

namespace mall::actors {

/// Handles one batch of committed events, in commit order. Throwing crashes
/// the consumer: it restarts and reads again from its durable offset, so a
/// handler must tolerate seeing a batch again (idempotent effect, or offset
/// stored with the effect).
using event_batch_handler =
    std::function<void(const std::vector<persistence::event_record>&)>;

/// Reports the end of a batch started by an `async_batch_handler`: true when
/// every effect of the batch has landed, false to make the consumer read
/// again from its durable offset. Callable from any thread, exactly once.
using batch_done = std::function<void(bool ok)>;

/// Starts handling one batch of committed events, in commit order, without
/// waiting for its effects; reports their end through `done`. The same
/// tolerance of repeated batches as for `event_batch_handler` applies.
using async_batch_handler = std::function<void(
    const std::vector<persistence::event_record>&, batch_done done)>;

/// What one consumer (a policy or a projection) reads and does.
struct event_consumer_config {
  /// Unique name; also the key of its offset in the journal.
  std::string name;
  std::shared_ptr<persistence::journal> journal;
  event_batch_handler handle;
  /// Instead of `handle`, for handlers that wait on others (a policy waits
  /// for the replies of entities): the reader goes on reading while up to
  /// `max_batches_in_flight` batches run, and its offset only ever covers
  /// the longest run of finished batches from the start.
  async_batch_handler start;
  size_t max_batches_in_flight = 16;
  /// After a batch that emptied the journal, the next read waits this long
  /// (0: reads at once), so that the next few commits come in one batch: a
  /// projection then writes an entity's row once for several of its events.
  std::chrono::milliseconds min_read_interval{0};
  /// The durable offset is saved at most this often (0: after every batch);
  /// a crash then delivers at most this much again. It is also saved when
  /// the consumer stops and on each poll.
  std::chrono::milliseconds offset_save_interval{0};
  /// For handlers that store their offset in the same transaction as their
  /// effect: returns that offset, and the consumer then never saves one.
  /// Empty: the consumer saves its offset in the journal after each batch.
  std::function<persistence::journal_position()> load_own_offset;
  /// While set and false, the reader reads nothing (a node without its
  /// cluster lease must not act); it asks again at the next wake or poll.
  std::function<bool()> may_run;
  /// Poll interval, batch size, restart backoff and budget.
  runtime_settings settings;
  /// The reader blocks on journal reads, so it gets its own thread; tests on
  /// the deterministic scheduler set this to false.
  bool detached = true;
};

/// Spawns a consumer under its own supervisor and returns the supervisor.
/// The reader starts at the durable offset, reads `read_all` batches until
/// it has caught up (or `max_batches_in_flight` are running), and reads
/// again when the journal pushes a commit (coalesced: at most one wake-up
/// pending), a batch finishes or its poll timer fires. A batch that fails
/// crashes the reader. When the
/// reader crashes, the supervisor restarts it after a backoff (never giving
/// up; past the budget it waits the maximum backoff) and it resumes from the
/// durable offset.
///
/// The supervisor answers `(describe_atom)` with `{name, kind: "consumer",
/// status, restarts, children: []}` as JSON text and forwards `crash_atom`
/// to the reader (chaos). `(rewind_atom, tx, offset)` -> bool saves the
/// durable offset `{tx, offset}` and makes the reader continue from it (see
/// `rewind_event_consumer`). Stop it with an exit message: it terminates
/// once its reader has finished the batch at hand (`stop_actor` waits for
/// that).
caf::actor spawn_event_consumer(caf::actor_system& sys,
                                event_consumer_config cfg);

/// Sets the durable offset of `consumer` (a supervisor returned by
/// `spawn_event_consumer`) back to `to`, e.g. `{}` for the beginning, so
/// that every event after it is delivered again: for tests and operators
/// that force redelivery. The reader takes it between two batches, so a
/// batch in progress cannot overwrite it. Blocks until done; false when the
/// consumer stores its own offset (`load_own_offset`), is gone or did not
/// answer within `timeout`.
bool rewind_event_consumer(caf::actor_system& sys, const caf::actor& consumer,
                           persistence::journal_position to,
                           std::chrono::milliseconds timeout);

} // namespace mall::actors
