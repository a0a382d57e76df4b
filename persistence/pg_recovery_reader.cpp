#include "persistence/pg_recovery_reader.hpp"

#include "persistence/pg_array_literal.hpp"
#include "persistence/pg_event_rows.hpp"
#include "persistence/pg_prepared.hpp"

#include <algorithm>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <unordered_map>

namespace mall::persistence {

pg_recovery_reader::pg_recovery_reader(std::string url, size_t max_batch)
    : url_(std::move(url)),
      max_batch_(max_batch),
      thread_([this] { recovery_loop(); }) {}

pg_recovery_reader::~pg_recovery_reader() {
  {
    std::lock_guard<std::mutex> guard{recovery_mutex_};
    recovery_stopping_ = true;
  }
  recovery_queue_changed_.notify_all();
  thread_.join();
}

uint64_t pg_recovery_reader::snapshots_queued() {
  std::lock_guard<std::mutex> guard{recovery_mutex_};
  return snapshots_enqueued_;
}

void pg_recovery_reader::wait_for_snapshots(uint64_t count) {
  std::unique_lock<std::mutex> lock{recovery_mutex_};
  snapshots_written_.wait(lock, [&] { return snapshots_completed_ >= count; });
}

void pg_recovery_reader::recover(std::string persistence_id,
                                 journal::recovery_callback done) {
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

void pg_recovery_reader::save_snapshot(const snapshot_record& snapshot) {
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
void pg_recovery_reader::recovery_loop() {
  auto take = [this](auto& queue) {
    using item = typename std::decay_t<decltype(queue)>::value_type;
    auto n = std::min(queue.size(), max_batch_);
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
      ++rounds_;
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
pg_recovery_reader::recover_batch(const std::vector<pending_recovery>& batch) {
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
    static const std::string sql =
        "SELECT wanted.n, s.seq_nr, s.payload, " + event_columns() +
        " FROM unnest($1::text[]) WITH ORDINALITY AS wanted(id, n)"
        " LEFT JOIN LATERAL (SELECT seq_nr, payload FROM snapshots"
        "   WHERE persistence_id = wanted.id) s ON true"
        " LEFT JOIN LATERAL (SELECT * FROM journal"
        "   WHERE journal.persistence_id = wanted.id"
        "   AND journal.seq_nr >= coalesce(s.seq_nr, 1)"
        "   ORDER BY journal.seq_nr) journal ON true"
        " ORDER BY wanted.n, journal.seq_nr";
    auto rows = exec_prepared(tx, "journal_recover", sql, wanted);
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

void pg_recovery_reader::write_snapshots(
    const std::vector<snapshot_record>& batch) {
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

void pg_recovery_reader::upsert_snapshots(
    const std::vector<snapshot_record>& batch) {
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

template<class F> void pg_recovery_reader::on_recovery_connection(F&& fn) {
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

pqxx::connection& pg_recovery_reader::recovery_connection() {
  if (!recovery_connection_ || !recovery_connection_->is_open())
    recovery_connection_ = std::make_unique<pqxx::connection>(url_);
  return *recovery_connection_;
}

} // namespace mall::persistence
