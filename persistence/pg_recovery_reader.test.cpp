#define CAF_SUITE persistence.pg_recovery_reader
#include "tests/support/caf_test.hpp"

#include "tests/support/pg_journal_fixture.hpp"

using namespace mall::persistence;
using namespace mall::test_support;

CAF_TEST_FIXTURE_SCOPE(pg_recovery_reader_tests, fixture)
CAF_TEST(snapshots are saved loaded and overwritten by newer ones) {
  pg_journal j{options()};
  CAF_CHECK(!j.load_snapshot("s|a"));
  j.save_snapshot({"s|a", 5, R"({"v":5})"});
  j.flush();
  auto loaded = j.load_snapshot("s|a");
  CAF_REQUIRE(loaded);
  CAF_CHECK_EQUAL(loaded->seq_nr, 5);
  CAF_CHECK_EQUAL(loaded->payload, R"({"v":5})");
  j.save_snapshot({"s|a", 10, R"({"v":10})"});
  j.flush();
  auto newer = j.load_snapshot("s|a");
  CAF_REQUIRE(newer);
  CAF_CHECK_EQUAL(newer->payload, R"({"v":10})");
  // A stale writer's older snapshot does not win.
  j.save_snapshot({"s|a", 3, R"({"v":3})"});
  j.flush();
  auto kept = j.load_snapshot("s|a");
  CAF_REQUIRE(kept);
  CAF_CHECK_EQUAL(kept->seq_nr, 10);
}

CAF_TEST(
    a snapshot is written after save_snapshot returns and seen after flush) {
  pg_journal j{options()};
  // Writers of the snapshots table wait; readers do not.
  table_lock lock{url, "snapshots", "EXCLUSIVE"};
  j.save_snapshot({"s|a", 4, R"({"v":4})"});
  CAF_CHECK(!j.load_snapshot("s|a"));
  auto flushed = std::async(std::launch::async, [&] { j.flush(); });
  CAF_CHECK(flushed.wait_for(std::chrono::milliseconds{100}) ==
            std::future_status::timeout);
  lock.release();
  CAF_REQUIRE(flushed.wait_for(std::chrono::seconds{10}) ==
              std::future_status::ready);
  auto loaded = j.load_snapshot("s|a");
  CAF_REQUIRE(loaded);
  CAF_CHECK_EQUAL(loaded->seq_nr, 4);
  CAF_CHECK_EQUAL(loaded->payload, R"({"v":4})");
  CAF_CHECK_EQUAL(j.snapshot_failures(), 0u);
}

CAF_TEST(an older snapshot never replaces a newer one in one batch or
         across batches) {
  pg_journal j{options()};
  {
    table_lock lock{url, "snapshots", "EXCLUSIVE"};
    // Queued together while the first write waits: one batch.
    j.save_snapshot({"s|first", 1, "one"});
    j.save_snapshot({"s|a", 7, "seven"});
    j.save_snapshot({"s|a", 9, "nine"});
    j.save_snapshot({"s|a", 8, "eight"});
    j.save_snapshot({"s|b", 2, "two"});
    j.save_snapshot({"s|b", 2, "two again"});
    lock.release();
    j.flush();
  }
  CAF_CHECK_EQUAL(snapshot_payload(j, "s|a"), "nine");
  CAF_CHECK_EQUAL(snapshot_payload(j, "s|b"), "two again");
  j.save_snapshot({"s|a", 5, "five"});
  j.flush();
  CAF_CHECK_EQUAL(snapshot_payload(j, "s|a"), "nine");
  // Another node's journal, as a zombie writer would be.
  pg_journal other{options()};
  other.save_snapshot({"s|a", 6, "six"});
  other.flush();
  CAF_CHECK_EQUAL(snapshot_payload(j, "s|a"), "nine");
  CAF_CHECK_EQUAL(j.snapshot_failures(), 0u);
}

CAF_TEST(a snapshot that PostgreSQL refuses is dropped without its batch) {
  pg_journal j{options()};
  {
    table_lock lock{url, "snapshots", "EXCLUSIVE"};
    j.save_snapshot({"s|first", 1, "one"});
    j.save_snapshot({"s|bad", 1, "\xff\xfe"});
    j.save_snapshot({"s|good", 1, "fine"});
    lock.release();
    j.flush();
  }
  CAF_CHECK(!j.load_snapshot("s|bad"));
  CAF_CHECK_EQUAL(snapshot_payload(j, "s|good"), "fine");
  CAF_CHECK_EQUAL(j.snapshot_failures(), 1u);
}

CAF_TEST(recovering an unknown aggregate answers with nothing) {
  pg_journal j{options()};
  auto r = recover_and_wait(j, "r|none");
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK(!r.snapshot);
  CAF_CHECK(r.events.empty());
}

CAF_TEST(recovery without a snapshot returns every event in order) {
  pg_journal j{options()};
  auto first = append_and_wait(
      j, {event("r|a", 1, R"({"n":1})"), event("r|a", 2, R"({"n":2})")});
  CAF_REQUIRE(first.status == append_status::ok);
  CAF_REQUIRE(append_and_wait(j, {event("r|b", 1)}).status ==
              append_status::ok);
  auto last = append_and_wait(j, {event("r|a", 3, R"({"n":3})")});
  CAF_REQUIRE(last.status == append_status::ok);
  auto r = recover_and_wait(j, "r|a");
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK(!r.snapshot);
  CAF_REQUIRE_EQUAL(r.events.size(), 3u);
  for (int64_t i = 0; i < 3; ++i) {
    auto& e = r.events[i];
    CAF_CHECK_EQUAL(e.persistence_id, "r|a");
    CAF_CHECK_EQUAL(e.seq_nr, i + 1);
    CAF_CHECK_EQUAL(e.payload, R"({"n":)" + std::to_string(i + 1) + "}");
    CAF_CHECK_EQUAL(e.type, "Happened");
    CAF_CHECK_EQUAL(e.trace_id, "trace-" + std::to_string(i + 1));
    CAF_CHECK_GREATER(e.written_at_ms, 0);
  }
  CAF_CHECK(r.events[1].position == first.last_position);
  CAF_CHECK(r.events[2].position == last.last_position);
}

CAF_TEST(
    recovery with a snapshot returns it and the events from its seq_nr on) {
  pg_journal j{options()};
  for (int64_t seq = 1; seq <= 6; ++seq)
    CAF_REQUIRE(append_and_wait(j, {event("r|a", seq)}).status ==
                append_status::ok);
  j.save_snapshot({"r|a", 4, R"({"total":4})"});
  // Queued after the snapshot: answered after it is written.
  auto r = recover_and_wait(j, "r|a");
  CAF_CHECK_EQUAL(r.error, "");
  CAF_REQUIRE(r.snapshot);
  CAF_CHECK_EQUAL(r.snapshot->persistence_id, "r|a");
  CAF_CHECK_EQUAL(r.snapshot->seq_nr, 4);
  CAF_CHECK_EQUAL(r.snapshot->payload, R"({"total":4})");
  CAF_REQUIRE_EQUAL(r.events.size(), 3u);
  CAF_CHECK_EQUAL(r.events[0].seq_nr, 4);
  CAF_CHECK_EQUAL(r.events[2].seq_nr, 6);
  // A snapshot of the last event still returns that event.
  j.save_snapshot({"r|a", 6, R"({"total":6})"});
  auto latest = recover_and_wait(j, "r|a");
  CAF_REQUIRE(latest.snapshot);
  CAF_CHECK_EQUAL(latest.snapshot->seq_nr, 6);
  CAF_REQUIRE_EQUAL(latest.events.size(), 1u);
  CAF_CHECK_EQUAL(latest.events[0].seq_nr, 6);
}

CAF_TEST(recoveries queued during a round share the next round) {
  constexpr size_t requests = 500;
  auto opts = options();
  opts.max_recovery_batch = 100;
  pg_journal j{opts};
  CAF_REQUIRE(append_and_wait(j, {event("q|7", 1)}).status ==
              append_status::ok);
  recovery_log log{requests + 1};
  {
    // Readers of the snapshots table wait: the first round blocks.
    table_lock lock{url, "snapshots", "ACCESS EXCLUSIVE"};
    j.recover("q|blocker", log.record(requests));
    for (size_t i = 0; i < requests; ++i)
      j.recover("q|" + std::to_string(i), log.record(i));
    lock.release();
    CAF_REQUIRE(log.wait_for_all());
  }
  CAF_CHECK_EQUAL(log.not_once(), 0u);
  CAF_CHECK_EQUAL(log.records[7].events.size(), 1u);
  CAF_CHECK(log.records[8].events.empty());
  // The blocker alone (perhaps with a few more), then rounds of at most 100.
  CAF_CHECK_LESS_OR_EQUAL(j.recovery_rounds(), 1 + requests / 100 + 1);
  CAF_CHECK_GREATER_OR_EQUAL(j.recovery_rounds(), requests / 100);
}

CAF_TEST(concurrent recoveries from several threads while appends run get their
             own aggregate exactly once) {
  constexpr int aggregates = 100;
  constexpr int threads = 4;
  constexpr int rounds_per_thread = 3;
  constexpr int live_events = 200;
  pg_journal j{options()};
  // Aggregate i holds i % 7 + 1 events; every third has a snapshot.
  auto id_of = [](int i) { return "m|" + std::to_string(i); };
  for (int i = 0; i < aggregates; ++i) {
    std::vector<event_record> events;
    for (int64_t seq = 1; seq <= i % 7 + 1; ++seq)
      events.push_back(event(id_of(i), seq, std::to_string(i)));
    j.append(std::move(events), [](append_result) {});
    if (i % 3 == 0)
      j.save_snapshot({id_of(i), 1, "snap " + std::to_string(i)});
  }
  j.flush();
  std::atomic<bool> appending{true};
  std::thread appender{[&] {
    for (int64_t seq = 1; seq <= live_events && appending; ++seq)
      append_and_wait(j, {event("m|live", seq)});
  }};
  constexpr size_t per_thread = rounds_per_thread * (aggregates + 1);
  constexpr size_t requests = threads * per_thread;
  recovery_log log{requests};
  std::vector<std::thread> recoverers;
  for (int t = 0; t < threads; ++t)
    recoverers.emplace_back([&, t] {
      for (size_t k = 0; k < per_thread; ++k) {
        auto i = static_cast<int>(k % (aggregates + 1));
        j.recover(i == aggregates ? "m|live" : id_of(i),
                  log.record(t * per_thread + k));
      }
    });
  for (auto& thread : recoverers)
    thread.join();
  CAF_REQUIRE(log.wait_for_all());
  appending = false;
  appender.join();
  CAF_CHECK_EQUAL(log.not_once(), 0u);
  size_t wrong = 0;
  for (size_t r = 0; r < requests; ++r) {
    auto i = static_cast<int>((r % per_thread) % (aggregates + 1));
    auto& got = log.records[r];
    if (!got.error.empty()) {
      ++wrong;
      continue;
    }
    if (i == aggregates) {
      // Whatever had committed: a gapless prefix of the live aggregate.
      for (size_t k = 0; k < got.events.size(); ++k)
        if (got.events[k].seq_nr != static_cast<int64_t>(k + 1) ||
            got.events[k].persistence_id != "m|live")
          ++wrong;
      continue;
    }
    bool snapshot = i % 3 == 0;
    auto expected = static_cast<size_t>(i % 7 + 1);
    if (got.snapshot.has_value() != snapshot ||
        (snapshot && got.snapshot->payload != "snap " + std::to_string(i)) ||
        got.events.size() != expected || got.events.front().seq_nr != 1 ||
        got.events.back().seq_nr != static_cast<int64_t>(expected) ||
        got.events.back().payload != std::to_string(i) ||
        got.events.back().persistence_id != id_of(i))
      ++wrong;
  }
  CAF_CHECK_EQUAL(wrong, 0u);
  CAF_CHECK_LESS(j.recovery_rounds(), requests);
  CAF_MESSAGE(requests << " recoveries in " << j.recovery_rounds()
                       << " rounds");
}

CAF_TEST(ids with quotes backslashes commas braces and non -
         ASCII text are recovered as themselves) {
  const std::vector<std::string> ids{"a|\"quoted\"", "a|back\\slash",
                                     "a|com,ma",     "a|{brace}",
                                     "a|NULL",       "a|",
                                     "a| spaced ",   "a|it's",
                                     "a|日本語",     "a|\\\"mix\"\\"};
  pg_journal j{options()};
  for (size_t i = 0; i < ids.size(); ++i) {
    std::vector<event_record> events;
    for (size_t seq = 1; seq <= i + 1; ++seq)
      events.push_back(event(ids[i], static_cast<int64_t>(seq)));
    CAF_REQUIRE(append_and_wait(j, std::move(events)).status ==
                append_status::ok);
    j.save_snapshot({ids[i], 1, "snapshot of " + ids[i]});
  }
  // Every id twice, in one round as far as the thread's timing allows.
  recovery_log log{2 * ids.size() + 1};
  for (size_t i = 0; i < 2 * ids.size(); ++i)
    j.recover(ids[i % ids.size()], log.record(i));
  j.recover(std::string("a|nul\0byte", 10), log.record(2 * ids.size()));
  CAF_REQUIRE(log.wait_for_all());
  CAF_CHECK_EQUAL(log.not_once(), 0u);
  for (size_t i = 0; i < 2 * ids.size(); ++i) {
    auto& id = ids[i % ids.size()];
    auto& got = log.records[i];
    CAF_CHECK_EQUAL(got.error, "");
    CAF_REQUIRE(got.snapshot);
    CAF_CHECK_EQUAL(got.snapshot->persistence_id, id);
    CAF_CHECK_EQUAL(got.snapshot->payload, "snapshot of " + id);
    CAF_CHECK_EQUAL(got.events.size(), i % ids.size() + 1);
    for (auto& e : got.events)
      CAF_CHECK_EQUAL(e.persistence_id, id);
  }
  auto& nul = log.records.back();
  CAF_CHECK_EQUAL(nul.error, "");
  CAF_CHECK(nul.events.empty());
}

CAF_TEST(recovery answers promptly with an error while the database refuses
             connections and works again after) {
  pg_journal j{options()};
  CAF_REQUIRE(append_and_wait(j, {event("d|a", 1)}).status ==
              append_status::ok);
  j.save_snapshot({"d|a", 1, "{}"});
  CAF_REQUIRE_EQUAL(recover_and_wait(j, "d|a").events.size(), 1u);
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
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto start = std::chrono::steady_clock::now();
    auto failed = recover_and_wait(j, "d|a");
    auto took = std::chrono::steady_clock::now() - start;
    CAF_CHECK_NOT_EQUAL(failed.error, "");
    CAF_CHECK(failed.error.find("no answer") == std::string::npos);
    CAF_CHECK(!failed.snapshot);
    CAF_CHECK(failed.events.empty());
    CAF_CHECK_LESS(took, std::chrono::seconds{2});
  }
  tx.exec("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
  auto back = recover_and_wait(j, "d|a");
  CAF_CHECK_EQUAL(back.error, "");
  CAF_CHECK(back.snapshot);
  CAF_CHECK_EQUAL(back.events.size(), 1u);
}

CAF_TEST(recovery reconnects without an error after losing an idle connection) {
  pg_journal j{options()};
  CAF_REQUIRE(append_and_wait(j, {event("d|a", 1)}).status ==
              append_status::ok);
  CAF_REQUIRE_EQUAL(recover_and_wait(j, "d|a").events.size(), 1u);
  {
    pqxx::connection admin{url};
    pqxx::nontransaction tx{admin};
    tx.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  }
  auto r = recover_and_wait(j, "d|a");
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK_EQUAL(r.events.size(), 1u);
  j.save_snapshot({"d|a", 1, "{}"});
  j.flush();
  CAF_CHECK_EQUAL(j.snapshot_failures(), 0u);
  CAF_CHECK(recover_and_wait(j, "d|a").snapshot.has_value());
}

CAF_TEST(an unreachable database fails recoveries and drops snapshots) {
  pg_journal_options broken;
  broken.url = "host=127.0.0.1 port=1 dbname=none connect_timeout=2";
  pg_journal j{broken};
  auto r = recover_and_wait(j, "u|a");
  CAF_CHECK_NOT_EQUAL(r.error, "");
  CAF_CHECK(r.error.find("no answer") == std::string::npos);
  j.save_snapshot({"u|a", 1, "{}"});
  j.flush();
  CAF_CHECK_EQUAL(j.snapshot_failures(), 1u);
}

CAF_TEST(destroying the journal answers every queued recovery) {
  constexpr size_t requests = 300;
  recovery_log reachable{requests};
  recovery_log unreachable{requests};
  {
    pg_journal j{options()};
    for (size_t i = 0; i < requests; ++i)
      j.recover("x|" + std::to_string(i), reachable.record(i));
  }
  {
    pg_journal_options broken;
    broken.url = "host=127.0.0.1 port=1 dbname=none connect_timeout=2";
    pg_journal j{broken};
    for (size_t i = 0; i < requests; ++i)
      j.recover("x|" + std::to_string(i), unreachable.record(i));
  }
  // The destructors returned: every callback has run.
  CAF_CHECK_EQUAL(reachable.answered, requests);
  CAF_CHECK_EQUAL(reachable.not_once(), 0u);
  CAF_CHECK_EQUAL(reachable.records.back().error, "");
  CAF_CHECK_EQUAL(unreachable.answered, requests);
  CAF_CHECK_EQUAL(unreachable.not_once(), 0u);
  CAF_CHECK_NOT_EQUAL(unreachable.records.back().error, "");
}

CAF_TEST_FIXTURE_SCOPE_END()
