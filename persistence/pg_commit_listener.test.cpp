#define CAF_SUITE persistence.pg_commit_listener
#include "tests/support/caf_test.hpp"

#include "persistence/pg_commit_listener.hpp"
#include "persistence/pg_journal.hpp"
#include "persistence/pg_schema.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/test_postgres.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using namespace mall::persistence;
using namespace std::chrono_literals;
using mall::test_support::eventually;

namespace {

/// The positions a listener heard, safe to read from the test thread.
struct heard {
  std::mutex mtx;
  std::vector<journal_position> positions;

  void add(journal_position at) {
    std::lock_guard<std::mutex> guard{mtx};
    positions.push_back(at);
  }

  bool has(journal_position at) {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& p : positions)
      if (p == at)
        return true;
    return false;
  }
};

} // namespace

CAF_TEST(an announcement reads back as the position it names) {
  journal_position at{123456789, 42};
  CAF_CHECK(pg_commit_listener::parse(pg_commit_listener::payload(at)) == at);
  for (auto bad : {"", "12", "a.b", "1.2x", "1..2", ".3"})
    CAF_CHECK(!pg_commit_listener::parse(bad));
}

CAF_TEST_FIXTURE_SCOPE(pg_commit_listener_tests,
                       mall::test_support::postgres_fixture)

CAF_TEST(a commit of another journal wakes the subscribers of this one) {
  CAF_REQUIRE(pg_schema{pg_schema::journal_migrations()}.migrate(url).ok());
  pg_journal_options options{url};
  options.commit_channel = "test_commits";
  // Two writers on one database, as two nodes are.
  pg_journal writer{options};
  pg_journal reader{options};
  heard pushed;
  reader.subscribe([&](journal_position at) { pushed.add(at); });
  // The listener may still be connecting: write until one is heard.
  std::optional<journal_position> written;
  int64_t seq = 0;
  CAF_CHECK(eventually(
      [&] {
        std::promise<append_result> done;
        writer.append(
            {event_record{
                "product|p1", ++seq, "StockIncreased", "{}", "trace", 0, {}}},
            [&](append_result r) { done.set_value(r); });
        auto result = done.get_future().get();
        if (result.status != append_status::ok)
          return false;
        written = result.last_position;
        return eventually([&] { return pushed.has(*written); }, 200ms);
      },
      10s));
}

CAF_TEST(a writer without listening peers announces nothing) {
  CAF_REQUIRE(pg_schema{pg_schema::journal_migrations()}.migrate(url).ok());
  std::atomic<bool> peers{true};
  pg_journal_options options{url};
  options.commit_channel = "test_commits";
  pg_journal reader{options};
  options.peers_listening = [&peers] { return peers.load(); };
  pg_journal writer{options};
  heard pushed;
  reader.subscribe([&](journal_position at) { pushed.add(at); });
  int64_t seq = 0;
  auto append = [&] {
    std::promise<append_result> done;
    writer.append(
        {event_record{
            "product|p2", ++seq, "StockIncreased", "{}", "trace", 0, {}}},
        [&](append_result r) { done.set_value(r); });
    auto result = done.get_future().get();
    CAF_REQUIRE(result.status == append_status::ok);
    return result.last_position;
  };
  CAF_REQUIRE(eventually(
      [&] {
        auto at = append();
        return eventually([&] { return pushed.has(at); }, 200ms);
      },
      10s));
  peers = false;
  auto unannounced = append();
  peers = true;
  auto announced = append();
  CAF_REQUIRE(eventually([&] { return pushed.has(announced); }, 10s));
  // One channel delivers in commit order: had the first commit been
  // announced, it would have been heard before the second.
  CAF_CHECK(!pushed.has(unannounced));
}

CAF_TEST_FIXTURE_SCOPE_END()
