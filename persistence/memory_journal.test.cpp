#define CAF_SUITE persistence.memory_journal
#include "tests/support/caf_test.hpp"

#include "persistence/memory_journal.hpp"

#include <thread>

using namespace mall::persistence;

namespace {

event_record make_event(const std::string& pid, int64_t seq) {
  event_record ev;
  ev.persistence_id = pid;
  ev.seq_nr = seq;
  ev.type = "Incremented";
  ev.payload = R"({"type":"Incremented"})";
  return ev;
}

append_result append_now(journal& j, std::vector<event_record> events) {
  append_result out;
  out.status = append_status::failed;
  out.message = "callback never ran";
  j.append(std::move(events), [&](append_result r) { out = std::move(r); });
  return out;
}

/// Runs `recover` and returns what its callback got, counting the calls.
recovery_record recover_now(journal& j, const std::string& pid, int& calls) {
  recovery_record out;
  out.error = "callback never ran";
  j.recover(pid, [&](recovery_record r) {
    ++calls;
    out = std::move(r);
  });
  return out;
}

struct fixture {
  memory_journal journal;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(memory_journal_tests, fixture)

CAF_TEST(an append commits synchronously and reports its last position) {
  auto r = append_now(journal, {make_event("c|1", 1), make_event("c|1", 2)});
  CAF_REQUIRE(r.status == append_status::ok);
  CAF_CHECK_EQUAL(r.last_position.to_string(), "1.2");
  auto r2 = append_now(journal, {make_event("c|2", 1)});
  CAF_CHECK_EQUAL(r2.last_position.to_string(), "2.3");
  auto evs = journal.read_events("c|1", 1);
  CAF_REQUIRE_EQUAL(evs.size(), 2u);
  CAF_CHECK_EQUAL(evs[0].position.to_string(), "1.1");
  CAF_CHECK_EQUAL(evs[1].seq_nr, 2);
  CAF_CHECK(evs[1].written_at_ms > 0);
  CAF_CHECK_EQUAL(journal.read_events("c|1", 2).size(), 1u);
}

CAF_TEST(a second writer of the same sequence number gets a conflict) {
  CAF_REQUIRE(append_now(journal, {make_event("c|1", 1)}).status ==
              append_status::ok);
  auto r = append_now(journal, {make_event("c|1", 1), make_event("c|1", 2)});
  CAF_CHECK(r.status == append_status::conflict);
  CAF_CHECK_EQUAL(journal.size(), 1u);
  auto gap = append_now(journal, {make_event("c|1", 3)});
  CAF_CHECK(gap.status == append_status::failed);
}

CAF_TEST(injected failures store nothing and then stop) {
  journal.fail_next_appends(1);
  CAF_CHECK(append_now(journal, {make_event("c|1", 1)}).status ==
            append_status::failed);
  CAF_CHECK_EQUAL(journal.size(), 0u);
  CAF_CHECK(append_now(journal, {make_event("c|1", 1)}).status ==
            append_status::ok);
  journal.fail_next_reads(1);
  auto threw = false;
  try {
    journal.read_events("c|1", 1);
  } catch (const journal_error&) {
    threw = true;
  }
  CAF_CHECK(threw);
  CAF_CHECK_EQUAL(journal.read_events("c|1", 1).size(), 1u);
}

CAF_TEST(read_all returns events strictly after a position in commit order) {
  int64_t seq[2] = {0, 0};
  for (int i = 0; i < 5; ++i)
    append_now(journal,
               {make_event("c|" + std::to_string(i % 2), ++seq[i % 2])});
  auto all = journal.read_all({}, 100);
  CAF_REQUIRE_EQUAL(all.size(), 5u);
  for (size_t i = 1; i < all.size(); ++i)
    CAF_CHECK(all[i - 1].position < all[i].position);
  auto rest = journal.read_all(all[1].position, 2);
  CAF_REQUIRE_EQUAL(rest.size(), 2u);
  CAF_CHECK(rest[0].position == all[2].position);
  CAF_CHECK(journal.read_all(all[4].position, 10).empty());
}

CAF_TEST(subscribers hear every commit but no failed append) {
  int calls = 0;
  journal.subscribe([&](journal_position) { ++calls; });
  append_now(journal, {make_event("c|1", 1)});
  journal.fail_next_appends(1);
  append_now(journal, {make_event("c|1", 2)});
  append_now(journal, {make_event("c|1", 1)});
  CAF_CHECK_EQUAL(calls, 1);
}

CAF_TEST(snapshots keep the newest and offsets default to the start) {
  journal.save_snapshot({"c|1", 5, "{}"});
  journal.save_snapshot({"c|1", 3, "old"});
  auto snap = journal.load_snapshot("c|1");
  CAF_REQUIRE(snap.has_value());
  CAF_CHECK_EQUAL(snap->seq_nr, 5);
  CAF_CHECK(!journal.load_snapshot("c|2").has_value());
  CAF_CHECK(journal.load_offset("mypage") == journal_position{});
  journal.save_offset("mypage", {4, 9});
  CAF_CHECK_EQUAL(journal.load_offset("mypage").to_string(), "4.9");
}

CAF_TEST(concurrent writers of distinct entities all commit exactly once) {
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([this, w] {
      for (int i = 1; i <= 250; ++i)
        append_now(journal, {make_event("c|" + std::to_string(w), i)});
    });
  for (auto& t : writers)
    t.join();
  auto all = journal.read_all({}, 10000);
  CAF_CHECK_EQUAL(all.size(), 1000u);
  for (size_t i = 1; i < all.size(); ++i)
    CAF_CHECK(all[i - 1].position < all[i].position);
}

CAF_TEST(recovery of an unknown aggregate answers at once with nothing) {
  int calls = 0;
  auto r = recover_now(journal, "c|none", calls);
  CAF_CHECK_EQUAL(calls, 1);
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK(!r.snapshot.has_value());
  CAF_CHECK(r.events.empty());
}

CAF_TEST(recovery without a snapshot returns every event in order) {
  append_now(journal, {make_event("c|1", 1), make_event("c|1", 2)});
  append_now(journal, {make_event("c|2", 1)});
  append_now(journal, {make_event("c|1", 3)});
  int calls = 0;
  auto r = recover_now(journal, "c|1", calls);
  CAF_CHECK_EQUAL(calls, 1);
  CAF_CHECK_EQUAL(r.error, "");
  CAF_CHECK(!r.snapshot.has_value());
  CAF_REQUIRE_EQUAL(r.events.size(), 3u);
  for (size_t i = 0; i < r.events.size(); ++i) {
    CAF_CHECK_EQUAL(r.events[i].persistence_id, "c|1");
    CAF_CHECK_EQUAL(r.events[i].seq_nr, static_cast<int64_t>(i + 1));
  }
  CAF_CHECK_EQUAL(r.events[2].position.to_string(), "3.4");
}

CAF_TEST(recovery with a snapshot returns it and the events from its seq_nr) {
  for (int i = 1; i <= 5; ++i)
    append_now(journal, {make_event("c|1", i)});
  journal.save_snapshot({"c|1", 3, R"({"n":3})"});
  int calls = 0;
  auto r = recover_now(journal, "c|1", calls);
  CAF_CHECK_EQUAL(calls, 1);
  CAF_REQUIRE(r.snapshot.has_value());
  CAF_CHECK_EQUAL(r.snapshot->seq_nr, 3);
  CAF_CHECK_EQUAL(r.snapshot->payload, R"({"n":3})");
  CAF_REQUIRE_EQUAL(r.events.size(), 3u);
  CAF_CHECK_EQUAL(r.events.front().seq_nr, 3);
  CAF_CHECK_EQUAL(r.events.back().seq_nr, 5);
}

CAF_TEST(an injected read failure makes one recovery answer with an error) {
  append_now(journal, {make_event("c|1", 1)});
  journal.save_snapshot({"c|1", 1, "{}"});
  journal.fail_next_reads(1);
  int calls = 0;
  auto failed = recover_now(journal, "c|1", calls);
  CAF_CHECK_EQUAL(calls, 1);
  CAF_CHECK_NOT_EQUAL(failed.error, "");
  CAF_CHECK(!failed.snapshot.has_value());
  CAF_CHECK(failed.events.empty());
  auto next = recover_now(journal, "c|1", calls);
  CAF_CHECK_EQUAL(calls, 2);
  CAF_CHECK_EQUAL(next.error, "");
  CAF_CHECK_EQUAL(next.events.size(), 1u);
}

CAF_TEST(a recovery callback may call back into the journal) {
  append_now(journal, {make_event("c|1", 1)});
  append_result appended;
  appended.status = append_status::failed;
  journal.recover("c|1", [&](recovery_record r) {
    auto next = static_cast<int64_t>(r.events.size()) + 1;
    appended = append_now(journal, {make_event("c|1", next)});
  });
  CAF_CHECK(appended.status == append_status::ok);
  CAF_CHECK_EQUAL(journal.size(), 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()
