#define CAF_SUITE persistence.pg_journal
#include "tests/support/caf_test.hpp"

#include "tests/support/eventually.hpp"
#include "tests/support/pg_journal_fixture.hpp"

#include <pqxx/pqxx>

#include <atomic>
#include <thread>

using namespace mall::persistence;
using namespace mall::test_support;

CAF_TEST_FIXTURE_SCOPE(pg_journal_tests, fixture)

CAF_TEST(appended events are read back in order with their positions) {
  pg_journal j{options()};
  auto first = append_and_wait(j, {event("cart|a", 1, R"({"n":"it's"})"),
                                   event("cart|a", 2), event("cart|a", 3)});
  CAF_REQUIRE(first.status == append_status::ok);
  auto other = append_and_wait(j, {event("cart|b", 1)});
  CAF_REQUIRE(other.status == append_status::ok);
  auto events = j.read_events("cart|a", 1);
  CAF_REQUIRE_EQUAL(events.size(), 3u);
  CAF_CHECK_EQUAL(events[0].payload, R"({"n":"it's"})");
  CAF_CHECK_EQUAL(events[0].type, "Happened");
  CAF_CHECK_EQUAL(events[2].trace_id, "trace-3");
  CAF_CHECK(events[0].position < events[1].position);
  CAF_CHECK(events[2].position == first.last_position);
  CAF_CHECK_EQUAL(events[0].position.tx, events[2].position.tx);
  CAF_CHECK_GREATER(events[0].written_at_ms, 0);
  CAF_CHECK(first.last_position < other.last_position);
  auto tail = j.read_events("cart|a", 3);
  CAF_REQUIRE_EQUAL(tail.size(), 1u);
  CAF_CHECK_EQUAL(tail[0].seq_nr, 3);
  CAF_CHECK(j.read_events("cart|none", 1).empty());
}

CAF_TEST(a second writer of a seq_nr is rejected while the rest of its batch
             commits) {
  pg_journal node1{options()};
  CAF_REQUIRE(append_and_wait(node1, {event("p|1", 1)}).status ==
              append_status::ok);
  pg_journal node2{options()};
  result_log log;
  journal_table_lock lock{url};
  node2.append({event("p|blocker", 1)}, log.record("blocker"));
  node2.append({event("p|x", 1)}, log.record("x"));
  node2.append({event("p|1", 1, R"({"zombie":true})")}, log.record("zombie"));
  node2.append({event("p|y", 1), event("p|y", 2)}, log.record("y"));
  lock.release();
  node2.flush();
  CAF_CHECK(log.status("blocker") == append_status::ok);
  CAF_CHECK(log.status("x") == append_status::ok);
  CAF_CHECK(log.status("zombie") == append_status::conflict);
  CAF_CHECK(log.status("y") == append_status::ok);
  CAF_CHECK_EQUAL(node2.conflicts(), 1u);
  auto kept = node2.read_events("p|1", 1);
  CAF_REQUIRE_EQUAL(kept.size(), 1u);
  CAF_CHECK_EQUAL(kept[0].payload, "{}");
  CAF_CHECK_EQUAL(node2.read_events("p|y", 1).size(), 2u);
}

CAF_TEST(appends queued during a commit share the next transaction) {
  constexpr size_t appends = 500;
  pg_journal j{options(100)};
  result_log log;
  journal_table_lock lock{url};
  j.append({event("b|blocker", 1)}, log.record("blocker"));
  for (size_t i = 0; i < appends; ++i)
    j.append({event("b|" + std::to_string(i), 1)},
             log.record(std::to_string(i)));
  lock.release();
  j.flush();
  for (size_t i = 0; i < appends; ++i)
    CAF_CHECK(log.status(std::to_string(i)) == append_status::ok);
  // The blocker alone, then batches of at most 100 events.
  CAF_CHECK_LESS_OR_EQUAL(j.commits(), 1 + appends / 100);
  CAF_CHECK_GREATER_OR_EQUAL(j.commits(), appends / 100);
}

CAF_TEST(a second writer commits beside a stuck one once a batch waits) {
  auto opts = options();
  opts.writer_connections = 2;
  opts.parallel_batch_events = 100;
  stuck_journal stuck{opts, "w|blocker"};
  auto& j = stuck.journal;
  auto& log = stuck.log;
  auto& held = stuck.held;
  CAF_REQUIRE(held.writer_waits());
  // Below a batch's worth nothing moves; at 100 the idle writer takes all
  // of them in one transaction.
  for (int i = 0; i < 100; ++i)
    j.append({event("w|" + std::to_string(i), 1)},
             log.record(std::to_string(i)));
  CAF_CHECK(eventually([&] { return j.commits() == 1; }));
  j.append({event("w|late", 1)}, log.record("late"));
  held.release();
  j.flush();
  for (int i = 0; i < 100; ++i)
    CAF_CHECK(log.status(std::to_string(i)) == append_status::ok);
  CAF_CHECK(log.status("blocker") == append_status::ok);
  CAF_CHECK(log.status("late") == append_status::ok);
  CAF_CHECK_EQUAL(j.commits(), 3u);
  CAF_CHECK_EQUAL(j.read_all({}, 200).size(), 102u);
}

CAF_TEST(flush waits for a batch held up on one writer while the other
             finishes later ones) {
  auto opts = options();
  opts.writer_connections = 2;
  opts.parallel_batch_events = 10;
  stuck_journal stuck{opts, "f|blocker"};
  auto& j = stuck.journal;
  auto& log = stuck.log;
  auto& held = stuck.held;
  CAF_REQUIRE(held.writer_waits());
  std::atomic<bool> flushed{false};
  std::thread flusher{[&] {
    j.flush();
    flushed = true;
  }};
  // More appends than the blocker's batch, all done by the other writer.
  for (int round = 1; round <= 3; ++round) {
    for (int i = 0; i < 10; ++i)
      j.append({event("f|" + std::to_string(round * 100 + i), 1)},
               log.record(std::to_string(round * 100 + i)));
    CAF_CHECK(eventually([&] { return j.commits() == uint64_t(round); }));
  }
  // The blocker is not written yet, so neither is flush done.
  CAF_CHECK(!eventually([&] { return flushed.load(); },
                        std::chrono::milliseconds{300}));
  held.release();
  CAF_CHECK(eventually([&] { return flushed.load(); }));
  flusher.join();
  CAF_CHECK(log.status("blocker") == append_status::ok);
}

CAF_TEST(a batch fenced while it is being written does not commit) {
  stuck_journal stuck{options(), "x|blocker"};
  auto& j = stuck.journal;
  auto& log = stuck.log;
  auto& held = stuck.held;
  CAF_REQUIRE(held.writer_waits());
  // The lease is lost while the batch sits in its COPY, past the checks
  // before it: the one right before COMMIT stops it.
  j.fence();
  held.release();
  j.flush();
  CAF_CHECK(log.status("blocker") == append_status::failed);
  CAF_CHECK(j.read_events("x|blocker", 1).empty());
}

CAF_TEST(an invalid append fails without harming its batch) {
  pg_journal j{options()};
  result_log log;
  j.append({event("v|a", 1), event("v|a", 3)}, log.record("gap"));
  j.append({event("v|b", 1), event("v|c", 2)}, log.record("mixed"));
  j.append({}, log.record("empty"));
  j.append({event("v|d", 1, std::string("a\0b", 3))}, log.record("nul"));
  j.append({event("v|utf8", 1, "\xff\xfe")}, log.record("not utf-8"));
  j.append({event("v|ok", 1)}, log.record("ok"));
  j.flush();
  for (auto name : {"gap", "mixed", "empty", "nul", "not utf-8"})
    CAF_CHECK(log.status(name) == append_status::failed);
  CAF_CHECK(log.status("ok") == append_status::ok);
}

CAF_TEST(an unreachable database fails appends and reads) {
  pg_journal_options broken;
  broken.url = "host=127.0.0.1 port=1 dbname=none connect_timeout=2";
  pg_journal j{broken};
  CAF_CHECK(append_and_wait(j, {event("u|a", 1)}).status ==
            append_status::failed);
  CAF_CHECK_EQUAL(j.failures(), 1u);
  bool threw = false;
  try {
    j.read_events("u|a", 1);
  } catch (const journal_error&) {
    threw = true;
  }
  CAF_CHECK(threw);
}

CAF_TEST(an append right after the connections were lost still commits) {
  auto opts = options();
  // No probe in between: the append itself must find its connection dead.
  opts.probe_interval = std::chrono::hours{1};
  pg_journal j{opts};
  CAF_REQUIRE(append_and_wait(j, {event("r|a", 1)}).status ==
              append_status::ok);
  pqxx::connection admin{url};
  std::string killed;
  {
    pqxx::nontransaction tx{admin};
    killed = tx.exec("SELECT array_agg(pid)::text FROM ("
                     " SELECT pid, pg_terminate_backend(pid)"
                     " FROM pg_stat_activity WHERE datname ="
                     " current_database() AND pid <> pg_backend_pid()) t")[0][0]
                 .as<std::string>();
  }
  // Only those: a reader may connect again meanwhile.
  auto still_there = [&] {
    pqxx::nontransaction tx{admin};
    return tx
        .exec_params("SELECT count(*) FROM pg_stat_activity"
                     " WHERE pid = ANY($1::int[])",
                     killed)[0][0]
        .as<int>();
  };
  CAF_REQUIRE(eventually([&] { return still_there() == 0; }));
  // The writer finds its connection dead before COMMIT: nothing was stored,
  // so it writes the batch again on a new connection.
  CAF_CHECK(append_and_wait(j, {event("r|a", 2)}).status == append_status::ok);
  CAF_CHECK(append_and_wait(j, {event("r|a", 3)}).status == append_status::ok);
  CAF_CHECK_EQUAL(j.read_events("r|a", 1).size(), 3u);
}

CAF_TEST(an unreachable database makes the journal unhealthy) {
  pg_journal_options broken;
  broken.url = "host=127.0.0.1 port=1 dbname=none connect_timeout=2";
  broken.probe_interval = std::chrono::milliseconds{20};
  pg_journal j{broken};
  CAF_CHECK(!j.healthy());
  CAF_CHECK(append_and_wait(j, {event("h|a", 1)}).status ==
            append_status::failed);
  CAF_CHECK(!j.healthy());
}

CAF_TEST(an idle journal notices when its database goes away and comes back) {
  auto opts = options();
  opts.probe_interval = std::chrono::milliseconds{20};
  pg_journal j{opts};
  // Healthy without any write: the writer connects and probes on its own.
  CAF_REQUIRE(eventually([&] { return j.healthy(); }));
  std::string db_name = pqxx::connection{url}.dbname();
  auto& server = mall::test_support::test_postgres::instance().server();
  pqxx::connection admin{server.url_for("postgres")};
  pqxx::nontransaction tx{admin};
  auto db = tx.quote_name(db_name);
  // Refuse new connections and drop the journal's, as a stopped server does.
  tx.exec("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
  tx.exec_params("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                 " WHERE datname = $1",
                 db_name);
  CAF_CHECK(eventually([&] { return !j.healthy(); }));
  CAF_CHECK(append_and_wait(j, {event("h|b", 1)}).status ==
            append_status::failed);
  CAF_CHECK(!j.healthy());
  tx.exec("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
  CAF_CHECK(eventually([&] { return j.healthy(); }));
  CAF_CHECK(append_and_wait(j, {event("h|b", 1)}).status == append_status::ok);
  CAF_CHECK(j.healthy());
}

CAF_TEST(subscribers hear about each commit) {
  pg_journal j{options()};
  std::atomic<int> calls{0};
  j.subscribe([&](journal_position) { ++calls; });
  append_and_wait(j, {event("s|a", 1)});
  j.flush();
  CAF_CHECK_EQUAL(calls.load(), 1);
}

CAF_TEST(a consumer reading in commit order sees every event of concurrent
             writers exactly once) {
  constexpr int nodes = 4;
  constexpr int writers_per_node = 4;
  constexpr int events_per_writer = 150;
  constexpr size_t total = nodes * writers_per_node * events_per_writer;
  // Declared before the journals, so that they outlive the writer threads
  // that notify them.
  std::mutex mutex;
  std::condition_variable committed;
  std::vector<std::unique_ptr<pg_journal>> journals;
  for (int i = 0; i < nodes; ++i)
    journals.push_back(std::make_unique<pg_journal>(options()));
  pg_journal consumer_journal{options()};
  for (auto& j : journals)
    j->subscribe([&](journal_position) { committed.notify_all(); });
  // Consumer: reads from its position while the writers run.
  std::set<std::pair<std::string, int64_t>> seen;
  std::map<std::string, int64_t> last_seq;
  size_t duplicates = 0, out_of_order = 0, position_regressions = 0;
  std::thread consumer{[&] {
    journal_position position;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
    while (seen.size() < total && std::chrono::steady_clock::now() < deadline) {
      auto batch = consumer_journal.read_all(position, 300);
      for (auto& e : batch) {
        if (!(position < e.position))
          ++position_regressions;
        position = e.position;
        if (!seen.emplace(e.persistence_id, e.seq_nr).second)
          ++duplicates;
        if (e.seq_nr != ++last_seq[e.persistence_id])
          ++out_of_order;
      }
      if (batch.empty()) {
        std::unique_lock<std::mutex> lock{mutex};
        committed.wait_for(lock, std::chrono::milliseconds{20});
      }
    }
  }};
  std::vector<std::thread> writers;
  std::atomic<int> not_ok{0};
  for (int n = 0; n < nodes; ++n)
    for (int w = 0; w < writers_per_node; ++w)
      writers.emplace_back([&, n, w] {
        auto id = "c|" + std::to_string(n) + "-" + std::to_string(w);
        for (int64_t seq = 1; seq <= events_per_writer; ++seq)
          if (append_and_wait(*journals[n], {event(id, seq)}).status !=
              append_status::ok)
            ++not_ok;
      });
  for (auto& writer : writers)
    writer.join();
  consumer.join();
  CAF_CHECK_EQUAL(not_ok.load(), 0);
  CAF_CHECK_EQUAL(seen.size(), total);
  CAF_CHECK_EQUAL(duplicates, 0u);
  CAF_CHECK_EQUAL(out_of_order, 0u);
  CAF_CHECK_EQUAL(position_regressions, 0u);
  CAF_CHECK_EQUAL(consumer_journal.read_all({}, total + 10).size(), total);
  // Many writers were batched together.
  uint64_t commits = 0;
  for (auto& j : journals)
    commits += j->commits();
  CAF_CHECK_LESS(commits, total);
  CAF_MESSAGE(total << " events in " << commits << " commits");
}

CAF_TEST(consumer offsets are saved and loaded) {
  pg_journal j{options()};
  CAF_CHECK(j.load_offset("mypage") == journal_position{});
  j.save_offset("mypage", {7, 42});
  CAF_CHECK(j.load_offset("mypage") == (journal_position{7, 42}));
  j.save_offset("mypage", {9, 50});
  CAF_CHECK(j.load_offset("mypage") == (journal_position{9, 50}));
  CAF_CHECK(j.load_offset("other") == journal_position{});
}

CAF_TEST_FIXTURE_SCOPE_END()
