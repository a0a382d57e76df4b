// Shared by the PostgreSQL journal's tests: a migrated throw-away database
// and helpers that wait for the journal's callbacks.
#pragma once

#include "persistence/pg_journal.hpp"
#include "persistence/pg_schema.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/pg_lock_waits.hpp"
#include "tests/support/test_postgres.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>

namespace mall::test_support {

using namespace mall::persistence;

inline event_record event(const std::string& id, int64_t seq_nr,
                          std::string payload = "{}") {
  event_record result;
  result.persistence_id = id;
  result.seq_nr = seq_nr;
  result.type = "Happened";
  result.payload = std::move(payload);
  result.trace_id = "trace-" + std::to_string(seq_nr);
  return result;
}

inline append_result append_and_wait(journal& j,
                                     std::vector<event_record> events) {
  std::promise<append_result> promise;
  auto future = promise.get_future();
  j.append(std::move(events),
           [&promise](append_result result) { promise.set_value(result); });
  return future.get();
}

/// What `recover` answered, or an error saying it did not answer in time.
inline recovery_record recover_and_wait(journal& j, const std::string& id) {
  auto promise = std::make_shared<std::promise<recovery_record>>();
  auto future = promise->get_future();
  j.recover(id, [promise](recovery_record r) { promise->set_value(r); });
  if (future.wait_for(std::chrono::seconds{10}) != std::future_status::ready)
    return recovery_record{{}, {}, "no answer within 10 s"};
  return future.get();
}

/// The payload of the stored snapshot of `id`, or "none".
inline std::string snapshot_payload(journal& j, const std::string& id) {
  auto snapshot = j.load_snapshot(id);
  return snapshot ? snapshot->payload : "none";
}

/// Counts the answers to recoveries issued without waiting, by request.
struct recovery_log {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<int> calls;
  std::vector<recovery_record> records;
  size_t answered = 0;

  explicit recovery_log(size_t requests)
      : calls(requests, 0), records(requests) {}

  journal::recovery_callback record(size_t request) {
    return [this, request](recovery_record r) {
      std::lock_guard<std::mutex> guard{mutex};
      ++calls[request];
      records[request] = std::move(r);
      ++answered;
      changed.notify_all();
    };
  }

  /// Whether every request got an answer within 20 s.
  bool wait_for_all() {
    std::unique_lock<std::mutex> lock{mutex};
    return changed.wait_for(lock, std::chrono::seconds{20},
                            [&] { return answered >= calls.size(); });
  }

  /// Requests answered other than exactly once.
  size_t not_once() {
    std::lock_guard<std::mutex> guard{mutex};
    return static_cast<size_t>(std::count_if(calls.begin(), calls.end(),
                                             [](int n) { return n != 1; }));
  }
};

/// Collects the results of appends issued without waiting.
struct result_log {
  std::mutex mutex;
  std::map<std::string, append_result> by_name;

  journal::append_callback record(std::string name) {
    return [this, name](append_result result) {
      std::lock_guard<std::mutex> guard{mutex};
      by_name[name] = result;
    };
  }

  append_status status(const std::string& name) {
    std::lock_guard<std::mutex> guard{mutex};
    return by_name.at(name).status;
  }
};

/// Holds `mode` on `table`: EXCLUSIVE blocks writers only, ACCESS EXCLUSIVE
/// readers too.
struct table_lock {
  pqxx::connection connection;
  pqxx::work tx{connection};

  table_lock(const std::string& url, const std::string& table,
             const std::string& mode)
      : connection(url) {
    tx.exec("LOCK TABLE " + table + " IN " + mode + " MODE");
  }
  void release() { tx.commit(); }
};

/// An uncommitted journal row under `persistence_id` seq_nr 1: the writer
/// that takes an append of that key waits on it inside its COPY (the other
/// writer goes on) until `release` rolls the row back.
struct held_journal_key {
  pqxx::connection holder;
  pqxx::work held{holder};
  pqxx::connection observer;

  held_journal_key(const std::string& url, const std::string& persistence_id)
      : holder(url), observer(url) {
    held.exec_params("INSERT INTO journal (persistence_id, seq_nr, "
                     "event_type, payload) VALUES ($1, 1, 'T', '{}')",
                     persistence_id);
  }
  /// Whether a writer's COPY waits on the row within 10 s.
  bool writer_waits() {
    return eventually([&] { return lock_waiters(observer, "COPY") == 1; });
  }
  void release() { held.abort(); }
};

/// A journal whose writer is stuck: the batch with `blocker`'s first event
/// waits on the key that `held` keeps uncommitted (`held.writer_waits()`
/// says when it does).
struct stuck_journal {
  pg_journal journal;
  result_log log;
  held_journal_key held;

  stuck_journal(const pg_journal_options& options, const std::string& blocker)
      : journal{options}, held{options.url, blocker} {
    journal.append({event(blocker, 1)}, log.record("blocker"));
  }
};

/// Holds an exclusive lock on the journal table, so that the writer blocks
/// on its next insert and further appends queue up behind it.
struct journal_table_lock {
  pqxx::connection connection;
  pqxx::work tx{connection};

  explicit journal_table_lock(const std::string& url) : connection(url) {
    tx.exec("LOCK TABLE journal IN EXCLUSIVE MODE");
  }
  void release() { tx.commit(); }
};

struct fixture : mall::test_support::postgres_fixture {
  fixture() {
    auto migrated = pg_schema{}.migrate(url);
    if (!migrated.ok())
      CAF_FAIL("migration failed: " << migrated.error);
  }

  pg_journal_options options(size_t max_batch_events = 2000) {
    pg_journal_options result;
    result.url = url;
    result.max_batch_events = max_batch_events;
    return result;
  }
};

} // namespace mall::test_support
