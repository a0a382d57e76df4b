#include "persistence/pg_journal.hpp"

#include "persistence/pg_array_literal.hpp"

#include <algorithm>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <unordered_map>

namespace mall::persistence {

namespace {

/// The columns `to_event` reads, of the journal table called `t`.
std::string event_columns(const std::string& t = "journal") {
  return t + ".persistence_id, " + t + ".seq_nr, " + t + ".event_type, " + t +
         ".payload, " + t + ".trace_id, (extract(epoch FROM " + t +
         ".written_at) * 1000)::bigint, " + t + ".tx::text::bigint, " + t +
         ".global_offset";
}

/// The event in the columns of `event_columns`, starting at column `first`.
event_record to_event(const pqxx::row& row, pqxx::row::size_type first = 0) {
  event_record event;
  event.persistence_id = row[first].as<std::string>();
  event.seq_nr = row[first + 1].as<int64_t>();
  event.type = row[first + 2].as<std::string>();
  event.payload = row[first + 3].as<std::string>();
  event.trace_id = row[first + 4].as<std::string>();
  event.written_at_ms = row[first + 5].as<int64_t>();
  event.position.tx = row[first + 6].as<int64_t>();
  event.position.offset = row[first + 7].as<int64_t>();
  return event;
}

bool has_nul(const std::string& text) {
  return text.find('\0') != std::string::npos;
}

/// Why `events` cannot be appended as one aggregate's next events; empty
/// when they can.
std::string invalid_append(const std::vector<event_record>& events) {
  if (events.empty())
    return "append without events";
  for (size_t i = 0; i < events.size(); ++i) {
    auto& event = events[i];
    if (event.persistence_id != events.front().persistence_id)
      return "append mixes persistence ids";
    if (event.seq_nr < 1 || event.seq_nr != events.front().seq_nr + int64_t(i))
      return "append has non-consecutive seq_nr";
    if (event.persistence_id.empty() || event.type.empty())
      return "event without persistence id or type";
    if (has_nul(event.persistence_id) || has_nul(event.type) ||
        has_nul(event.payload) || has_nul(event.trace_id))
      return "event text contains a NUL character";
  }
  return {};
}

/// Whether the statement failed because of the rows written (SQLSTATE
/// class 22 data exception or 23 integrity violation, such as a second
/// writer of a seq_nr) rather than because of the server.
bool caused_by_data(const pqxx::sql_error& e) {
  auto state = e.sqlstate();
  return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0;
}

append_result failed(std::string message) {
  return {append_status::failed, std::move(message), {}};
}

} // namespace

pg_journal::pg_journal(pg_journal_options options)
    : options_(std::move(options)),
      readers_(options_.url, options_.read_connections),
      writer_thread_([this] { write_loop(); }),
      recovery_thread_([this] { recovery_loop(); }) {}

pg_journal::~pg_journal() {
  {
    std::lock_guard<std::mutex> guard{queue_mutex_};
    stopping_ = true;
  }
  queue_changed_.notify_all();
  {
    std::lock_guard<std::mutex> guard{recovery_mutex_};
    recovery_stopping_ = true;
  }
  recovery_queue_changed_.notify_all();
  writer_thread_.join();
  recovery_thread_.join();
}

// -- writing -----------------------------------------------------------------

void pg_journal::append(std::vector<event_record> events,
                        append_callback done) {
  {
    std::lock_guard<std::mutex> guard{queue_mutex_};
    queue_.push_back({std::move(events), std::move(done)});
    ++enqueued_;
  }
  queue_changed_.notify_one();
}

void pg_journal::flush() {
  uint64_t snapshots_target = 0;
  {
    std::lock_guard<std::mutex> guard{recovery_mutex_};
    snapshots_target = snapshots_enqueued_;
  }
  {
    std::unique_lock<std::mutex> lock{queue_mutex_};
    auto target = enqueued_;
    completed_changed_.wait(lock, [&] { return completed_ >= target; });
  }
  std::unique_lock<std::mutex> lock{recovery_mutex_};
  snapshots_written_.wait(
      lock, [&] { return snapshots_completed_ >= snapshots_target; });
}

void pg_journal::write_loop() {
  // Connect right away, so that readiness does not wait for a first write.
  probe();
  std::unique_lock<std::mutex> lock{queue_mutex_};
  for (;;) {
    auto has_work = [&] { return stopping_ || !queue_.empty(); };
    if (!queue_changed_.wait_for(lock, options_.probe_interval, has_work)) {
      lock.unlock();
      probe();
      lock.lock();
      continue;
    }
    if (queue_.empty())
      return; // stopping, and everything queued has been written
    // Everything that queued up during the previous commit goes into this
    // one, up to the batch limit.
    std::vector<pending_append> batch;
    size_t events = 0;
    while (!queue_.empty() &&
           (batch.empty() || events + queue_.front().events.size() <=
                                 options_.max_batch_events)) {
      events += queue_.front().events.size();
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    auto results = write_batch(batch);
    bool any_committed = false;
    journal_position last_committed;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (results[i].status == append_status::ok) {
        any_committed = true;
        last_committed = std::max(last_committed, results[i].last_position);
      }
      if (results[i].status == append_status::failed)
        ++failures_;
      try {
        batch[i].done(std::move(results[i]));
      } catch (const std::exception& e) {
        spdlog::error("journal append callback threw: {}", e.what());
      }
    }
    if (any_committed)
      notify_subscribers(last_committed);
    lock.lock();
    completed_ += batch.size();
    completed_changed_.notify_all();
  }
}

std::vector<append_result>
pg_journal::write_batch(std::vector<pending_append>& batch) {
  std::vector<append_result> results(batch.size());
  std::vector<size_t> valid;
  valid.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    if (auto why = invalid_append(batch[i].events); !why.empty())
      results[i] = failed(std::move(why));
    else
      valid.push_back(i);
  }
  if (valid.empty())
    return results;
  // Connection lost, commit outcome unknown, server error: nothing of this
  // batch is acknowledged; reconnect for the next one.
  auto fail_all = [&](const char* why) {
    spdlog::error("journal batch of {} appends failed: {}", valid.size(), why);
    writer_.reset();
    healthy_ = false;
    for (auto i : valid)
      results[i] = failed(why);
  };
  try {
    auto positions = insert_and_commit(batch, valid);
    for (size_t i = 0; i < valid.size(); ++i)
      results[valid[i]].last_position = positions[i];
  } catch (const pqxx::sql_error& e) {
    // Typically a second writer of one aggregate: find out which append.
    if (caused_by_data(e))
      write_one_by_one(batch, valid, results);
    else
      fail_all(e.what());
  } catch (const std::exception& e) {
    fail_all(e.what());
  }
  return results;
}

void pg_journal::write_one_by_one(std::vector<pending_append>& batch,
                                  const std::vector<size_t>& valid,
                                  std::vector<append_result>& results) {
  for (auto i : valid) {
    try {
      results[i].last_position = insert_and_commit(batch, {i}).front();
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() != "23505") {
        results[i] = failed(e.what());
        continue;
      }
      ++conflicts_;
      auto& first = batch[i].events.front();
      spdlog::warn("journal conflict: {} seq_nr {} already written by "
                   "another writer",
                   first.persistence_id, first.seq_nr);
      results[i] = {append_status::conflict, e.what(), {}};
    } catch (const std::exception& e) {
      writer_.reset();
      healthy_ = false;
      results[i] = failed(e.what());
    }
  }
}

std::vector<journal_position>
pg_journal::insert_and_commit(std::vector<pending_append>& batch,
                              const std::vector<size_t>& valid) {
  size_t rows = 0;
  for (auto i : valid)
    rows += batch[i].events.size();
  pqxx::work tx{writer_connection()};
  // Take the transaction id and the global offsets first, so the rows can
  // go in with COPY: cheaper for the server than an INSERT of many rows.
  auto ids = tx.exec_params("SELECT pg_current_xact_id()::text::bigint, "
                            "nextval('journal_global_offset_seq') "
                            "FROM generate_series(1, $1)",
                            static_cast<int64_t>(rows));
  auto xid = ids[0][0].as<int64_t>();
  std::vector<int64_t> offsets;
  offsets.reserve(rows);
  for (auto row : ids)
    offsets.push_back(row[1].as<int64_t>());
  // One aggregate's events must follow each other in commit order.
  std::sort(offsets.begin(), offsets.end());
  std::vector<journal_position> positions;
  positions.reserve(valid.size());
  {
    static const std::vector<std::string> columns{
        "global_offset", "persistence_id", "seq_nr",
        "event_type",    "payload",        "trace_id"};
    pqxx::stream_to copy{tx, "journal", columns};
    size_t next = 0;
    for (auto i : valid) {
      for (auto& e : batch[i].events)
        copy << std::make_tuple(offsets[next++], e.persistence_id, e.seq_nr,
                                e.type, e.payload, e.trace_id);
      positions.push_back({xid, offsets[next - 1]});
    }
    copy.complete();
  }
  tx.commit();
  ++commits_;
  healthy_ = true;
  return positions;
}

pqxx::connection& pg_journal::writer_connection() {
  if (!writer_ || !writer_->is_open())
    writer_ = std::make_unique<pqxx::connection>(options_.url);
  return *writer_;
}

void pg_journal::probe() {
  try {
    pqxx::nontransaction tx{writer_connection()};
    tx.exec("SELECT 1");
    healthy_ = true;
    outage_logged_ = false;
  } catch (const std::exception& e) {
    writer_.reset();
    healthy_ = false;
    // Once per outage, not once per probe.
    if (!outage_logged_)
      spdlog::warn("journal database unreachable: {}", e.what());
    outage_logged_ = true;
  }
}

void pg_journal::notify_subscribers(journal_position at) {
  std::lock_guard<std::mutex> guard{subscribers_mutex_};
  for (auto& on_commit : subscribers_) {
    try {
      on_commit(at);
    } catch (const std::exception& e) {
      spdlog::error("journal subscriber threw: {}", e.what());
    }
  }
}

void pg_journal::subscribe(commit_callback on_commit) {
  std::lock_guard<std::mutex> guard{subscribers_mutex_};
  subscribers_.push_back(std::move(on_commit));
}

// -- reading -----------------------------------------------------------------

// Every read below is one statement, so it runs in autocommit
// (`nontransaction`): an explicit read transaction would add BEGIN, SET
// TRANSACTION READ ONLY and ROLLBACK round trips to each.
template<class F> auto pg_journal::read(const char* what, F&& fn) {
  try {
    return readers_.with_connection(std::forward<F>(fn));
  } catch (const std::exception& e) {
    throw journal_error(std::string{what} + ": " + e.what());
  }
}

std::vector<event_record>
pg_journal::read_events(const std::string& persistence_id,
                        int64_t from_seq_nr) {
  return read("read_events", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto rows = tx.exec_params(std::string{"SELECT "} + event_columns() +
                                   " FROM journal WHERE persistence_id = $1 "
                                   "AND seq_nr >= $2 ORDER BY seq_nr",
                               persistence_id, from_seq_nr);
    std::vector<event_record> events;
    events.reserve(rows.size());
    for (auto row : rows)
      events.push_back(to_event(row));
    return events;
  });
}

std::vector<event_record> pg_journal::read_all(journal_position after,
                                               size_t max) {
  return read("read_all", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    // Every transaction below the snapshot's xmin has finished, so no event
    // with a smaller (tx, global_offset) can still appear: reading only
    // those never skips a late commit.
    auto rows = tx.exec_params(
        std::string{"SELECT "} + event_columns() +
            " FROM journal"
            " WHERE tx < pg_snapshot_xmin(pg_current_snapshot())"
            " AND (tx, global_offset) > ($1::text::xid8, $2)"
            " ORDER BY tx, global_offset LIMIT $3",
        std::to_string(after.tx), after.offset, static_cast<int64_t>(max));
    std::vector<event_record> events;
    events.reserve(rows.size());
    for (auto row : rows)
      events.push_back(to_event(row));
    return events;
  });
}

std::optional<snapshot_record>
pg_journal::load_snapshot(const std::string& persistence_id) {
  return read(
      "load_snapshot",
      [&](pqxx::connection& c) -> std::optional<snapshot_record> {
        pqxx::nontransaction tx{c};
        auto rows = tx.exec_params(
            "SELECT seq_nr, payload FROM snapshots WHERE persistence_id = $1",
            persistence_id);
        if (rows.empty())
          return std::nullopt;
        return snapshot_record{persistence_id, rows[0][0].as<int64_t>(),
                               rows[0][1].as<std::string>()};
      });
}

// -- recovering and snapshots ------------------------------------------------

void pg_journal::recover(std::string persistence_id, recovery_callback done) {
  if (has_nul(persistence_id)) {
    // `append` refuses such ids, and PostgreSQL could not compare them.
    done(recovery_record{});
    return;
  }
  {
    std::lock_guard<std::mutex> guard{recovery_mutex_};
    recoveries_.push_back({std::move(persistence_id), std::move(done)});
  }
  recovery_queue_changed_.notify_one();
}

void pg_journal::save_snapshot(const snapshot_record& snapshot) {
  {
    std::lock_guard<std::mutex> guard{recovery_mutex_};
    snapshots_.push_back(snapshot);
    ++snapshots_enqueued_;
  }
  recovery_queue_changed_.notify_one();
}

// Snapshots are written by the recovery thread rather than the writer: the
// writer's commit loop is the journal's throughput limit and stays free of
// them, and a recovery queued after a snapshot of the same aggregate is
// answered after that snapshot is written, so it reads fewer events.
void pg_journal::recovery_loop() {
  auto take = [this](auto& queue) {
    using item = typename std::decay_t<decltype(queue)>::value_type;
    auto n = std::min(queue.size(), options_.max_recovery_batch);
    std::vector<item> batch{std::make_move_iterator(queue.begin()),
                            std::make_move_iterator(queue.begin() + n)};
    queue.erase(queue.begin(), queue.begin() + n);
    return batch;
  };
  std::unique_lock<std::mutex> lock{recovery_mutex_};
  for (;;) {
    recovery_queue_changed_.wait(lock, [&] {
      return recovery_stopping_ || !recoveries_.empty() || !snapshots_.empty();
    });
    if (recoveries_.empty() && snapshots_.empty())
      return; // stopping, and everything queued has been answered
    // Everything that queued up during the previous round goes into this
    // one, up to the batch limit.
    auto snapshots = take(snapshots_);
    auto batch = take(recoveries_);
    lock.unlock();
    if (!snapshots.empty()) {
      write_snapshots(snapshots);
      std::lock_guard<std::mutex> guard{recovery_mutex_};
      snapshots_completed_ += snapshots.size();
      snapshots_written_.notify_all();
    }
    if (!batch.empty()) {
      auto results = recover_batch(batch);
      ++recovery_rounds_;
      for (size_t i = 0; i < batch.size(); ++i) {
        try {
          batch[i].done(std::move(results[i]));
        } catch (const std::exception& e) {
          spdlog::error("journal recovery callback threw: {}", e.what());
        }
      }
    }
    lock.lock();
  }
}

std::vector<recovery_record>
pg_journal::recover_batch(const std::vector<pending_recovery>& batch) {
  // Each distinct id is read once; `slot[i]` is the index of batch[i]'s id.
  std::vector<std::string> ids;
  std::vector<size_t> slot;
  slot.reserve(batch.size());
  {
    std::unordered_map<std::string, size_t> index;
    for (auto& request : batch) {
      auto [where, added] = index.emplace(request.persistence_id, ids.size());
      if (added)
        ids.push_back(request.persistence_id);
      slot.push_back(where->second);
    }
  }
  std::vector<recovery_record> by_id;
  auto read_all_ids = [&](pqxx::connection& c) {
    std::vector<recovery_record> found(ids.size());
    pqxx::nontransaction tx{c};
    auto wanted = pg_array_literal(ids);
    // Ordinality numbers the ids from 1, in the order of `ids`.
    // LATERAL makes the plan one index lookup per id: a hash join would
    // scan the whole journal once it outgrows the planner's estimate.
    auto rows = tx.exec_params(
        "SELECT wanted.n, s.seq_nr, s.payload, " + event_columns() +
            " FROM unnest($1::text[]) WITH ORDINALITY AS wanted(id, n)"
            " LEFT JOIN LATERAL (SELECT seq_nr, payload FROM snapshots"
            "   WHERE persistence_id = wanted.id) s ON true"
            " LEFT JOIN LATERAL (SELECT * FROM journal"
            "   WHERE journal.persistence_id = wanted.id"
            "   AND journal.seq_nr >= coalesce(s.seq_nr, 1)"
            "   ORDER BY journal.seq_nr) journal ON true"
            " ORDER BY wanted.n, journal.seq_nr",
        wanted);
    for (auto row : rows) {
      auto& record = found[row[0].as<size_t>() - 1];
      // A snapshot is saved only after its events committed, so the rows
      // include the snapshot's own last event.
      if (!row[1].is_null() && !record.snapshot)
        record.snapshot =
            snapshot_record{ids[row[0].as<size_t>() - 1], row[1].as<int64_t>(),
                            row[2].as<std::string>()};
      if (!row[3].is_null())
        record.events.push_back(to_event(row, 3));
    }
    by_id = std::move(found);
  };
  try {
    on_recovery_connection(read_all_ids);
    recovery_outage_logged_ = false;
  } catch (const std::exception& e) {
    // This round's requests learn why it failed; the next round reconnects.
    if (!recovery_outage_logged_)
      spdlog::warn("journal recovery failed: {}", e.what());
    recovery_outage_logged_ = true;
    by_id.assign(ids.size(), recovery_record{});
    for (auto& record : by_id)
      record.error = std::string{"recover: "} + e.what();
  }
  // An id asked for twice gets copies; the last request takes the original.
  std::vector<size_t> last_request(ids.size());
  for (size_t i = 0; i < slot.size(); ++i)
    last_request[slot[i]] = i;
  std::vector<recovery_record> results;
  results.reserve(batch.size());
  for (size_t i = 0; i < slot.size(); ++i) {
    auto& record = by_id[slot[i]];
    results.push_back(last_request[slot[i]] == i ? std::move(record) : record);
  }
  return results;
}

void pg_journal::write_snapshots(const std::vector<snapshot_record>& batch) {
  // One upsert cannot touch a row twice: keep each aggregate's newest
  // snapshot, the later one of equal seq_nr as a sequence of saves would.
  std::vector<snapshot_record> newest;
  {
    std::unordered_map<std::string, size_t> index;
    for (auto& snapshot : batch) {
      if (has_nul(snapshot.persistence_id) || has_nul(snapshot.payload)) {
        ++snapshot_failures_;
        spdlog::warn("journal snapshot of {} dropped: NUL character",
                     snapshot.persistence_id);
        continue;
      }
      auto [where, added] =
          index.emplace(snapshot.persistence_id, newest.size());
      if (added)
        newest.push_back(snapshot);
      else if (newest[where->second].seq_nr <= snapshot.seq_nr)
        newest[where->second] = snapshot;
    }
  }
  auto drop = [this](const std::vector<snapshot_record>& dropped,
                     const std::exception& why) {
    snapshot_failures_ += dropped.size();
    spdlog::warn("journal dropped {} snapshot(s), of {} first: {}",
                 dropped.size(), dropped.front().persistence_id, why.what());
  };
  if (newest.empty())
    return;
  try {
    upsert_snapshots(newest);
  } catch (const pqxx::sql_error& e) {
    if (!caused_by_data(e) || newest.size() == 1) {
      drop(newest, e);
      return;
    }
    // A data error (such as text that is not UTF-8) in one snapshot: the
    // others still go in, one by one.
    for (auto& snapshot : newest) {
      try {
        upsert_snapshots({snapshot});
      } catch (const std::exception& e) {
        drop({snapshot}, e);
      }
    }
  } catch (const std::exception& e) {
    drop(newest, e);
  }
}

void pg_journal::upsert_snapshots(const std::vector<snapshot_record>& batch) {
  std::vector<std::string> ids, payloads;
  std::vector<int64_t> seq_nrs;
  for (auto& snapshot : batch) {
    ids.push_back(snapshot.persistence_id);
    seq_nrs.push_back(snapshot.seq_nr);
    payloads.push_back(snapshot.payload);
  }
  on_recovery_connection([&](pqxx::connection& c) {
    pqxx::work tx{c};
    tx.exec("SET LOCAL synchronous_commit = off");
    // A late snapshot from a zombie writer must not replace a newer one.
    tx.exec_params(
        "INSERT INTO snapshots (persistence_id, seq_nr, payload)"
        " SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])"
        " ON CONFLICT (persistence_id) DO UPDATE"
        " SET seq_nr = excluded.seq_nr, payload = excluded.payload,"
        " written_at = now() WHERE snapshots.seq_nr <= excluded.seq_nr",
        pg_array_literal(ids), pg_array_literal(seq_nrs),
        pg_array_literal(payloads));
    tx.commit();
  });
}

template<class F> void pg_journal::on_recovery_connection(F&& fn) {
  auto reused = recovery_connection_ != nullptr;
  for (int attempt = 1;; ++attempt) {
    try {
      fn(recovery_connection());
      return;
    } catch (const pqxx::sql_error& e) {
      // After an error caused by the data the connection is still fine.
      if (!caused_by_data(e))
        recovery_connection_.reset();
      throw;
    } catch (const std::exception&) {
      recovery_connection_.reset();
      // A connection lost while idle (server restart, idle timeout) gets
      // one retry on a fresh one, so that its loss costs no request an
      // error. `fn` is idempotent: a read, or an upsert that keeps the
      // newest snapshot.
      if (!reused || attempt > 1)
        throw;
    }
  }
}

pqxx::connection& pg_journal::recovery_connection() {
  if (!recovery_connection_ || !recovery_connection_->is_open())
    recovery_connection_ = std::make_unique<pqxx::connection>(options_.url);
  return *recovery_connection_;
}

journal_position pg_journal::load_offset(const std::string& consumer) {
  return read("load_offset", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto rows = tx.exec_params("SELECT tx, global_offset FROM "
                               "consumer_offsets WHERE consumer = $1",
                               consumer);
    if (rows.empty())
      return journal_position{};
    return journal_position{rows[0][0].as<int64_t>(), rows[0][1].as<int64_t>()};
  });
}

void pg_journal::save_offset(const std::string& consumer,
                             journal_position position) {
  read("save_offset", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    tx.exec_params("INSERT INTO consumer_offsets (consumer, tx, global_offset)"
                   " VALUES ($1, $2, $3) ON CONFLICT (consumer) DO UPDATE"
                   " SET tx = excluded.tx,"
                   " global_offset = excluded.global_offset,"
                   " updated_at = now()",
                   consumer, position.tx, position.offset);
  });
}

} // namespace mall::persistence
