#include "persistence/pg_journal.hpp"

#include "persistence/pg_array_literal.hpp"
#include "persistence/pg_event_rows.hpp"
#include "persistence/pg_prepared.hpp"

#include <algorithm>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <unordered_map>

namespace mall::persistence {

namespace {

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

append_result failed(std::string message) {
  return {append_status::failed, std::move(message), {}};
}

} // namespace

pg_journal::pg_journal(pg_journal_options options)
    : options_(std::move(options)),
      // Reads are small (a LIMIT in commit order, one aggregate's events):
      // before the table has statistics PostgreSQL may plan them parallel,
      // starting worker processes for every poll of every consumer.
      readers_(options_.url, options_.read_connections,
               "SET max_parallel_workers_per_gather = 0"),
      recovery_(options_.url, options_.max_recovery_batch),
      tail_([this](journal_position after,
                   size_t max) { return fetch_all(after, max); },
            options_.tail_events),
      lanes_(std::max<size_t>(1, options_.writer_connections)) {
  for (auto& lane : lanes_)
    writer_threads_.emplace_back([this, &lane] { write_loop(lane); });
  if (!options_.commit_channel.empty())
    listener_ = std::make_unique<pg_commit_listener>(
        options_.url, options_.commit_channel,
        [this](journal_position at) { notify_subscribers(at); });
}

pg_journal::~pg_journal() {
  listener_.reset();
  {
    std::lock_guard<std::mutex> guard{queue_mutex_};
    stopping_ = true;
  }
  queue_changed_.notify_all();
  for (auto& thread : writer_threads_)
    thread.join();
}

// -- writing -----------------------------------------------------------------

void pg_journal::append(std::vector<event_record> events,
                        append_callback done) {
  {
    std::lock_guard<std::mutex> guard{queue_mutex_};
    queued_events_ += events.size();
    queue_.push_back(
        {std::move(events), std::move(done), fence_epoch_.load(), ++enqueued_});
  }
  queue_changed_.notify_one();
}

void pg_journal::flush() {
  auto snapshots = recovery_.snapshots_queued();
  {
    std::unique_lock<std::mutex> lock{queue_mutex_};
    auto target = enqueued_;
    completed_changed_.wait(lock, [&] {
      auto oldest = enqueued_ + 1;
      if (!running_batches_.empty())
        oldest = *running_batches_.begin();
      if (!queue_.empty())
        oldest = std::min(oldest, queue_.front().ticket);
      return oldest > target;
    });
  }
  recovery_.wait_for_snapshots(snapshots);
}

// -- recovering and snapshots ------------------------------------------------

void pg_journal::recover(std::string persistence_id, recovery_callback done) {
  recovery_.recover(std::move(persistence_id), std::move(done));
}

void pg_journal::save_snapshot(const snapshot_record& snapshot) {
  recovery_.save_snapshot(snapshot);
}

bool pg_journal::may_take_batch() const {
  if (queue_.empty())
    return false;
  // A second writer only when one batch's worth waits: under light load,
  // appends pile up behind the running commit and share the next one.
  return busy_writers_ == 0 || queued_events_ >= options_.parallel_batch_events;
}

std::vector<pg_journal::pending_append> pg_journal::take_batch() {
  std::vector<pending_append> batch;
  size_t events = 0;
  while (!queue_.empty() &&
         (batch.empty() ||
          events + queue_.front().events.size() <= options_.max_batch_events)) {
    events += queue_.front().events.size();
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  queued_events_ -= events;
  return batch;
}

void pg_journal::write_loop(writer_lane& lane) {
  // Connect right away, so that readiness does not wait for a first write.
  probe(lane);
  std::unique_lock<std::mutex> lock{queue_mutex_};
  for (;;) {
    auto has_work = [&] {
      return may_take_batch() || (stopping_ && queue_.empty());
    };
    if (!queue_changed_.wait_for(lock, options_.probe_interval, has_work)) {
      lock.unlock();
      probe(lane);
      lock.lock();
      continue;
    }
    if (queue_.empty())
      return; // stopping, and everything queued has been written
    // Everything that queued up during the previous commit goes into this
    // one, up to the batch limit.
    auto batch = take_batch();
    auto first_ticket = batch.front().ticket;
    running_batches_.insert(first_ticket);
    ++busy_writers_;
    lock.unlock();
    auto results = write_batch(lane, batch);
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
    --busy_writers_;
    running_batches_.erase(first_ticket);
    completed_changed_.notify_all();
    // What queued meanwhile may now go to another writer too.
    queue_changed_.notify_all();
  }
}

std::vector<append_result>
pg_journal::write_batch(writer_lane& lane, std::vector<pending_append>& batch) {
  std::vector<append_result> results(batch.size());
  std::vector<size_t> valid;
  valid.reserve(batch.size());
  auto epoch = fence_epoch_.load();
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].epoch != epoch)
      results[i] = failed("fenced: queued before this node lost its lease");
    else if (auto why = invalid_append(batch[i].events); !why.empty())
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
    lane.connection.reset();
    lane.healthy = false;
    for (auto i : valid)
      results[i] = failed(why);
  };
  auto write = [&] {
    auto positions = insert_and_commit(lane, batch, valid);
    for (size_t i = 0; i < valid.size(); ++i)
      results[valid[i]].last_position = positions[i];
  };
  try {
    try {
      write();
    } catch (const pqxx::broken_connection& e) {
      // Lost before COMMIT went out (an unknown outcome is `in_doubt_error`
      // instead), so nothing was stored: once more on a new connection.
      // Without this, every writer's first batch after a server restart or
      // a dropped idle connection would fail.
      spdlog::warn("journal writer lost its connection ({}), retrying the "
                   "batch on a new one",
                   e.what());
      lane.connection.reset();
      write();
    }
  } catch (const pqxx::sql_error& e) {
    // Typically a second writer of one aggregate: find out which append.
    if (caused_by_data(e))
      write_one_by_one(lane, batch, valid, results);
    else
      fail_all(e.what());
  } catch (const std::exception& e) {
    fail_all(e.what());
  }
  return results;
}

void pg_journal::write_one_by_one(writer_lane& lane,
                                  std::vector<pending_append>& batch,
                                  const std::vector<size_t>& valid,
                                  std::vector<append_result>& results) {
  for (auto i : valid) {
    try {
      results[i].last_position = insert_and_commit(lane, batch, {i}).front();
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
      lane.connection.reset();
      lane.healthy = false;
      results[i] = failed(e.what());
    }
  }
}

std::vector<journal_position>
pg_journal::insert_and_commit(writer_lane& lane,
                              std::vector<pending_append>& batch,
                              const std::vector<size_t>& valid) {
  // Fenced before the first statement too, so that an entity that woke up
  // from a freeze with a stale decision never even reaches the journal key.
  if (options_.may_commit && !options_.may_commit())
    throw journal_error("fenced: this node lost its cluster lease");
  size_t rows = 0;
  for (auto i : valid)
    rows += batch[i].events.size();
  pqxx::work tx{writer_connection(lane)};
  // Take the transaction id and the global offsets first, so the rows can
  // go in with COPY: cheaper for the server than an INSERT of many rows.
  auto ids = exec_prepared(tx, "journal_ids",
                           "SELECT pg_current_xact_id()::text::bigint, "
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
  if (!options_.commit_channel.empty() &&
      (!options_.peers_listening || options_.peers_listening()))
    exec_prepared(tx, "journal_notify", "SELECT pg_notify($1, $2)",
                  options_.commit_channel,
                  pg_commit_listener::payload(positions.back()));
  if (options_.may_commit && !options_.may_commit())
    throw journal_error("fenced: this node lost its cluster lease");
  // Also after a retry on a new connection: a fence may have come since.
  for (auto i : valid)
    if (batch[i].epoch != fence_epoch_.load())
      throw journal_error("fenced: queued before this node lost its lease");
  tx.commit();
  ++commits_;
  lane.healthy = true;
  return positions;
}

pqxx::connection& pg_journal::writer_connection(writer_lane& lane) {
  auto& writer = lane.connection;
  if (!writer || !writer->is_open()) {
    writer = std::make_unique<pqxx::connection>(options_.url);
    if (auto ms = options_.stall_timeout.count(); ms > 0) {
      pqxx::nontransaction tx{*writer};
      auto value = std::to_string(ms);
      // A COPY whose client froze counts as running, not idle: bound the
      // statements too, with room for a slow commit under load.
      tx.exec("SET idle_in_transaction_session_timeout = " + value +
              "; SET statement_timeout = " + std::to_string(2 * ms));
    }
  }
  return *writer;
}

void pg_journal::probe(writer_lane& lane) {
  try {
    pqxx::nontransaction tx{writer_connection(lane)};
    tx.exec("SELECT 1");
    lane.healthy = true;
    lane.outage_logged = false;
  } catch (const std::exception& e) {
    lane.connection.reset();
    lane.healthy = false;
    // Once per outage, not once per probe.
    if (!lane.outage_logged)
      spdlog::warn("journal database unreachable: {}", e.what());
    lane.outage_logged = true;
  }
}

bool pg_journal::healthy() const {
  return std::all_of(lanes_.begin(), lanes_.end(), [](const writer_lane& lane) {
    return lane.healthy.load();
  });
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
  return tail_.read(after, max);
}

std::vector<event_record> pg_journal::fetch_all(journal_position after,
                                                size_t max) {
  return read("read_all", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    // Every transaction below the snapshot's xmin has finished, so no event
    // with a smaller (tx, global_offset) can still appear: reading only
    // those never skips a late commit.
    static const std::string sql =
        std::string{"SELECT "} + event_columns() +
        " FROM journal"
        " WHERE tx < pg_snapshot_xmin(pg_current_snapshot())"
        " AND (tx, global_offset) > ($1::text::xid8, $2)"
        " ORDER BY tx, global_offset LIMIT $3";
    auto rows =
        exec_prepared(tx, "journal_read_all", sql, std::to_string(after.tx),
                      after.offset, static_cast<int64_t>(max));
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

journal_position pg_journal::load_offset(const std::string& consumer) {
  return read("load_offset", [&](pqxx::connection& c) {
    pqxx::nontransaction tx{c};
    auto rows = exec_prepared(tx, "journal_load_offset",
                              "SELECT tx, global_offset FROM "
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
    exec_prepared(tx, "journal_save_offset",
                  "INSERT INTO consumer_offsets (consumer, tx, global_offset)"
                  " VALUES ($1, $2, $3) ON CONFLICT (consumer) DO UPDATE"
                  " SET tx = excluded.tx,"
                  " global_offset = excluded.global_offset,"
                  " updated_at = now()",
                  consumer, position.tx, position.offset);
  });
}

} // namespace mall::persistence
