// Throughput of the journal's group commit against two baselines, on the
// same throw-away PostgreSQL (synchronous_commit=on) and the same rows:
//   group commit: many entities, each appending one event at a time and
//                 waiting for its commit (as entity actors do), with the
//                 default writer connections and with one for comparison;
//   baseline (a): one transaction per event from 8 connections;
//   baseline (b): 100-row INSERTs in a loop on one connection, no app.
// Usage: bench_journal_append [seconds per run, default 5] [entities, default
//        2000] [max events per commit, default pg_journal_options']
#include "persistence/pg_journal.hpp"
#include "persistence/pg_schema.hpp"
#include "tests/support/test_postgres.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <string>
#include <thread>
#include <vector>

using namespace mall::persistence;
using clock_type = std::chrono::steady_clock;

namespace {

/// The row every run writes: a typical domain event.
event_record sample_event(const std::string& id, int64_t seq_nr) {
  event_record e;
  e.persistence_id = id;
  e.seq_nr = seq_nr;
  e.type = "StockReserved";
  e.payload =
      R"({"order_id":"o_7f3a9c2e","product_id":"p_3f2a1b","quantity":2,)"
      R"("reserved_at":"2026-11-22T00:00:00Z"})";
  e.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  return e;
}

std::string values_row(pqxx::connection& c, const event_record& e) {
  return "('" + c.esc(e.persistence_id) + "'," + std::to_string(e.seq_nr) +
         ",'" + c.esc(e.type) + "','" + c.esc(e.payload) + "','" +
         c.esc(e.trace_id) + "')";
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Baseline (a): autocommit INSERTs, one event per transaction.
double one_transaction_per_event(const std::string& url, double seconds) {
  constexpr int connections = 8;
  std::atomic<int64_t> written{0};
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t)
    threads.emplace_back([&, t] {
      pqxx::connection c{url};
      c.prepare("insert", "INSERT INTO journal (persistence_id, seq_nr, "
                          "event_type, payload, trace_id) "
                          "VALUES ($1, $2, $3, $4, $5)");
      auto id = "bench-a|" + std::to_string(t);
      for (int64_t seq = 1; clock_type::now() < deadline; ++seq) {
        auto e = sample_event(id, seq);
        pqxx::nontransaction tx{c};
        tx.exec_prepared("insert", e.persistence_id, e.seq_nr, e.type,
                         e.payload, e.trace_id);
        ++written;
      }
    });
  for (auto& thread : threads)
    thread.join();
  return written.load() / seconds_since(start);
}

/// Baseline (b): 100-row INSERTs back to back, each its own transaction.
double multi_row_inserts(const std::string& url, double seconds) {
  constexpr int rows_per_insert = 100;
  pqxx::connection c{url};
  int64_t written = 0;
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  for (int64_t round = 0; clock_type::now() < deadline; ++round) {
    std::string sql = "INSERT INTO journal (persistence_id, seq_nr, "
                      "event_type, payload, trace_id) VALUES ";
    for (int r = 0; r < rows_per_insert; ++r) {
      if (r > 0)
        sql += ',';
      sql += values_row(
          c, sample_event("bench-b|" + std::to_string(r), round + 1));
    }
    pqxx::nontransaction tx{c};
    tx.exec(sql);
    written += rows_per_insert;
  }
  return written / seconds_since(start);
}

/// Group commit: `entities` writers each keep one append in flight.
double group_commit(const std::string& url, double seconds, int entities,
                    size_t max_batch_events, size_t writers,
                    uint64_t& commits) {
  pg_journal_options options;
  options.url = url;
  options.max_batch_events = max_batch_events;
  options.writer_connections = writers;
  pg_journal journal{options};
  std::atomic<int64_t> written{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int> running{entities};
  std::mutex mutex;
  std::condition_variable all_stopped;
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  // Each entity appends its next event from the previous one's callback,
  // like an actor that handles its next command once the last is durable.
  std::function<void(std::string, int64_t)> next;
  next = [&](std::string id, int64_t seq) {
    auto event = sample_event(id, seq);
    journal.append({std::move(event)}, [&, id, seq](append_result result) {
      if (result.status == append_status::ok)
        ++written;
      else
        ++failed;
      if (result.status == append_status::ok && clock_type::now() < deadline) {
        next(id, seq + 1);
      } else if (--running == 0) {
        std::lock_guard<std::mutex> guard{mutex};
        all_stopped.notify_all();
      }
    });
  };
  for (int i = 0; i < entities; ++i)
    next("bench-g" + std::to_string(writers) + "|" + std::to_string(i), 1);
  {
    std::unique_lock<std::mutex> lock{mutex};
    all_stopped.wait(lock, [&] { return running.load() == 0; });
  }
  auto elapsed = seconds_since(start);
  commits = journal.commits();
  if (failed > 0)
    std::printf("  (%lld appends failed)\n", static_cast<long long>(failed));
  return written.load() / elapsed;
}

} // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::stod(argv[1]) : 5.0;
  int entities = argc > 2 ? std::stoi(argv[2]) : 2000;
  size_t max_batch_events =
      argc > 3 ? std::stoul(argv[3]) : pg_journal_options{}.max_batch_events;
  spdlog::set_level(spdlog::level::warn);
  auto& pg = mall::test_support::test_postgres::instance();
  auto url = pg.fresh_database();
  if (auto migrated = pg_schema{}.migrate(url); !migrated.ok()) {
    std::fprintf(stderr, "migration failed: %s\n", migrated.error.c_str());
    return 1;
  }
  {
    pqxx::connection c{url};
    pqxx::nontransaction tx{c};
    std::printf("PostgreSQL %s, synchronous_commit=%s, fsync=%s\n",
                tx.exec("SHOW server_version")[0][0].c_str(),
                tx.exec("SHOW synchronous_commit")[0][0].c_str(),
                tx.exec("SHOW fsync")[0][0].c_str());
  }
  std::printf("%.1f s per run, same database, same row shape\n", seconds);
  auto a = one_transaction_per_event(url, seconds);
  std::printf("baseline (a) 1 event/transaction, 8 connections: %10.0f "
              "events/s\n",
              a);
  auto b = multi_row_inserts(url, seconds);
  std::printf("baseline (b) 100-row INSERTs, 1 connection:       %10.0f "
              "events/s\n",
              b);
  // The default writers, and one writer for comparison.
  auto writers = pg_journal_options{}.writer_connections;
  double g = 0;
  for (size_t w : {size_t{1}, writers}) {
    uint64_t commits = 0;
    auto rate =
        group_commit(url, seconds, entities, max_batch_events, w, commits);
    std::printf("pg_journal group commit, %d entities, %zu writer%s: %10.0f "
                "events/s (%llu commits, %.0f events/commit, at most %zu)\n",
                entities, w, w == 1 ? " " : "s", rate,
                static_cast<unsigned long long>(commits),
                commits > 0 ? rate * seconds / commits : 0.0, max_batch_events);
    if (w == writers)
      g = rate;
  }
  std::printf("ratio vs (a): %.1fx (target >= 5x)\n", g / a);
  std::printf("ratio vs (b): %.2fx (target >= 0.4x)\n", g / b);
  std::printf("target >= 100000 events/s: %s\n",
              g >= 100000 ? "met" : "not met");
  return 0;
}
