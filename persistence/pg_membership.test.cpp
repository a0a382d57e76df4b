#define CAF_SUITE persistence.pg_membership
#include "tests/support/caf_test.hpp"

#include "persistence/journal.hpp"
#include "persistence/pg_membership.hpp"
#include "tests/support/test_postgres.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>

using namespace mall::persistence;
using namespace std::chrono_literals;

namespace {

constexpr auto long_lease = 60s;
constexpr auto short_lease = 200ms;

/// Lets `count` threads run `body(i)` at the same instant.
void race(int count, const std::function<void(int)>& body) {
  std::mutex mutex;
  std::condition_variable go;
  bool started = false;
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i)
    threads.emplace_back([&, i] {
      {
        std::unique_lock<std::mutex> lock{mutex};
        go.wait(lock, [&] { return started; });
      }
      body(i);
    });
  {
    std::lock_guard<std::mutex> guard{mutex};
    started = true;
  }
  go.notify_all();
  for (auto& thread : threads)
    thread.join();
}

/// One database for the whole binary, emptied before each test: a fresh
/// database per test would cost more than the tests themselves.
const std::string& shared_database() {
  static const std::string url = [] {
    auto url = mall::test_support::test_postgres::instance().fresh_database();
    auto steps = pg_schema::journal_migrations();
    for (const auto& step : pg_membership::migrations())
      steps.push_back(step);
    CAF_REQUIRE(pg_schema{steps}.migrate(url).ok());
    return url;
  }();
  return url;
}

struct fixture {
  std::unique_ptr<pg_membership> members;

  fixture() {
    pqxx::connection connection{shared_database()};
    pqxx::nontransaction tx{connection};
    tx.exec("TRUNCATE cluster_members, cluster_shards");
    members = std::make_unique<pg_membership>(shared_database(), 8);
  }

  member_row join_up(const std::string& id,
                     std::chrono::milliseconds lease = long_lease) {
    auto joined = members->join(id, id + ":4000", id + ":8080", lease);
    CAF_REQUIRE(joined);
    auto up = members->set_status(id, joined->version, member_status::up);
    CAF_REQUIRE(up);
    return *up;
  }

  std::optional<member_row> row_of(const std::string& id) {
    for (auto& row : members->members().members)
      if (row.node_id == id)
        return row;
    return std::nullopt;
  }

  std::optional<member_status> status_of(const std::string& id) {
    if (auto row = row_of(id))
      return row->status;
    return std::nullopt;
  }

  /// Waits until the DATABASE clock has passed `row`'s lease; false after
  /// a 5 s deadline. Polls: the database clock cannot be waited on directly.
  bool lease_expired_by_db(const member_row& row) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (members->members().db_now_ms > row.lease_expires_ms)
        return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
};

} // namespace

CAF_TEST(member status names round trip) {
  for (auto status : {member_status::joining, member_status::up,
                      member_status::leaving, member_status::down})
    CAF_CHECK(parse_member_status(to_string(status)) == status);
  CAF_CHECK(!parse_member_status("suspect"));
}

CAF_TEST(an unreachable database is a journal_error naming the operation) {
  // Port 1 refuses at once: the test does not wait for a timeout.
  pg_membership nowhere{"postgresql://127.0.0.1:1/none?connect_timeout=2"};
  std::string message;
  try {
    nowhere.renew("a", 1, 1s);
  } catch (const journal_error& e) {
    message = e.what();
  }
  CAF_CHECK(message.find("membership renew") != std::string::npos);
  CAF_CHECK_EQUAL(message.find("membership renew"), 0u);
  bool members_failed = false;
  try {
    nowhere.members();
  } catch (const journal_error&) {
    members_failed = true;
  }
  CAF_CHECK(members_failed);
}

CAF_TEST_FIXTURE_SCOPE(pg_membership_tests, fixture)

CAF_TEST(a join creates a joining row and set_status is a compare and set) {
  // The database clock is there even before any member.
  auto empty = members->members();
  CAF_CHECK(empty.members.empty());
  CAF_CHECK_GREATER(empty.db_now_ms, 0);
  auto joined = members->join("a", "h:4000", "h:8080", long_lease);
  CAF_REQUIRE(joined);
  CAF_CHECK_EQUAL(joined->node_id, "a");
  CAF_CHECK_EQUAL(joined->address, "h:4000");
  CAF_CHECK_EQUAL(joined->http_address, "h:8080");
  CAF_CHECK(joined->status == member_status::joining);
  CAF_CHECK_EQUAL(joined->incarnation, 1);
  CAF_CHECK(joined->lease_valid());
  auto up = members->set_status("a", joined->version, member_status::up);
  CAF_REQUIRE(up);
  CAF_CHECK(up->status == member_status::up);
  CAF_CHECK_EQUAL(up->version, joined->version + 1);
  // A writer holding the old version loses.
  CAF_CHECK(!members->set_status("a", joined->version, member_status::leaving));
  CAF_CHECK(!members->set_status("missing", 1, member_status::up));
  auto view = members->members();
  CAF_REQUIRE_EQUAL(view.members.size(), 1u);
  CAF_CHECK(view.members[0].status == member_status::up);
  CAF_CHECK_EQUAL(view.members[0].version, up->version);
}

CAF_TEST(a live id cannot be joined again and down is left only by join) {
  auto a = join_up("a");
  CAF_CHECK(!members->join("a", "other:4000", "other:8080", long_lease));
  auto down = members->set_status("a", a.version, member_status::down);
  CAF_REQUIRE(down);
  CAF_CHECK(!members->set_status("a", down->version, member_status::up));
  CAF_CHECK(!members->renew("a", a.incarnation, long_lease));
  auto again = members->join("a", "other:4000", "other:8080", long_lease);
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->incarnation, 2);
  CAF_CHECK_EQUAL(again->address, "other:4000");
  CAF_CHECK(again->status == member_status::joining);
}

CAF_TEST(renew extends the lease of the current incarnation only) {
  auto a = join_up("a", 10s);
  auto renewed = members->renew("a", a.incarnation, long_lease);
  CAF_REQUIRE(renewed);
  CAF_CHECK_EQUAL(renewed->version, a.version + 1);
  CAF_CHECK_GREATER(renewed->lease_expires_ms, a.lease_expires_ms + 40'000);
  CAF_CHECK_GREATER_OR_EQUAL(renewed->last_alive_ms, a.last_alive_ms);
  CAF_CHECK(!members->renew("a", a.incarnation + 1, long_lease));
  CAF_CHECK(!members->renew("b", 1, long_lease));
  // A leaving node keeps its lease while it hands its shards off.
  auto leaving =
      members->set_status("a", renewed->version, member_status::leaving);
  CAF_REQUIRE(leaving);
  CAF_CHECK(members->renew("a", a.incarnation, long_lease));
}

CAF_TEST(
    a lease runs on the database clock and cannot be renewed once expired) {
  auto a = join_up("a", short_lease);
  // The lease is measured from the database's own clock in one statement.
  CAF_CHECK_GREATER_OR_EQUAL(a.lease_expires_ms - a.last_alive_ms, 199);
  CAF_CHECK_LESS_OR_EQUAL(a.lease_expires_ms - a.last_alive_ms, 201);
  CAF_CHECK(!members->mark_down("a", a.incarnation));
  auto started = std::chrono::steady_clock::now();
  CAF_REQUIRE(lease_expired_by_db(a));
  CAF_CHECK_GREATER_OR_EQUAL(std::chrono::steady_clock::now() - started, 100ms);
  // Expired, though nobody marked it down: renewal is refused all the same
  // (the SIGSTOP/SIGCONT case) and the process must join afresh.
  CAF_CHECK(!members->renew("a", a.incarnation, long_lease));
  CAF_CHECK(!members->set_status("a", a.version, member_status::up));
  auto again = members->join("a", "a:4000", "a:8080", long_lease);
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->incarnation, a.incarnation + 1);
  CAF_CHECK(!members->renew("a", a.incarnation, long_lease));
  CAF_CHECK(members->renew("a", again->incarnation, long_lease));
}

CAF_TEST(mark_down needs an expired lease and the right incarnation) {
  auto a = join_up("a", short_lease);
  CAF_CHECK(!members->mark_down("a", a.incarnation));
  CAF_REQUIRE(lease_expired_by_db(a));
  CAF_CHECK(!members->mark_down("a", a.incarnation + 1));
  auto down = members->mark_down("a", a.incarnation);
  CAF_REQUIRE(down);
  CAF_CHECK(down->status == member_status::down);
  CAF_CHECK_EQUAL(down->version, a.version + 1);
  CAF_CHECK(!members->mark_down("a", a.incarnation));
}

CAF_TEST(expire marks down only the members whose lease expired) {
  auto a = join_up("a", short_lease);
  join_up("b");
  CAF_CHECK(members->expire().empty());
  CAF_REQUIRE(lease_expired_by_db(a));
  auto expired = members->expire();
  CAF_REQUIRE_EQUAL(expired.size(), 1u);
  CAF_CHECK_EQUAL(expired[0].node_id, "a");
  CAF_CHECK(expired[0].status == member_status::down);
  CAF_CHECK(members->expire().empty());
  CAF_CHECK(status_of("a") == member_status::down);
  CAF_CHECK(status_of("b") == member_status::up);
}

CAF_TEST(of several processes racing to join one id exactly one wins) {
  constexpr int racers = 8;
  std::atomic<int> wins{0};
  race(racers, [&](int i) {
    auto address = "h" + std::to_string(i) + ":4000";
    if (members->join("a", address, address, short_lease))
      ++wins;
  });
  CAF_CHECK_EQUAL(wins.load(), 1);
  auto first = row_of("a");
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(first->incarnation, 1);
  // Once that lease expired, a second race again has one winner.
  CAF_REQUIRE(lease_expired_by_db(*first));
  wins = 0;
  race(racers, [&](int) {
    if (members->join("a", "x:4000", "x:8080", long_lease))
      ++wins;
  });
  CAF_CHECK_EQUAL(wins.load(), 1);
  auto second = row_of("a");
  CAF_REQUIRE(second);
  CAF_CHECK_EQUAL(second->incarnation, 2);
}

CAF_TEST(concurrent renewals never lose an update) {
  auto a = join_up("a");
  constexpr int threads = 4;
  constexpr int rounds = 25;
  std::mutex mutex;
  std::set<int64_t> versions;
  std::atomic<int> refused{0};
  race(threads, [&](int) {
    for (int i = 0; i < rounds; ++i) {
      auto renewed = members->renew("a", a.incarnation, long_lease);
      if (!renewed) {
        ++refused;
        continue;
      }
      std::lock_guard<std::mutex> guard{mutex};
      versions.insert(renewed->version);
    }
  });
  CAF_CHECK_EQUAL(refused.load(), 0);
  CAF_CHECK_EQUAL(versions.size(), size_t{threads * rounds});
  auto last = row_of("a");
  CAF_REQUIRE(last);
  CAF_CHECK_EQUAL(last->version, a.version + threads * rounds);
}

CAF_TEST(a delayed release cannot free a shard its owner claimed again) {
  auto a = join_up("a");
  CAF_REQUIRE(members->claim_shard(3, "a", a.incarnation));
  CAF_REQUIRE(members->release_shard(3, "a", a.incarnation, 1));
  auto again = members->claim_shard(3, "a", a.incarnation);
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->epoch, 2);
  // The first release arrives a second time, late: it names epoch 1.
  CAF_CHECK(!members->release_shard(3, "a", a.incarnation, 1));
  auto now = members->shard(3);
  CAF_REQUIRE(now);
  CAF_CHECK(!now->released);
  CAF_CHECK_EQUAL(now->epoch, 2);
}

CAF_TEST(a shard held by a live owner moves only when released) {
  auto a = join_up("a");
  auto b = join_up("b");
  auto first = members->claim_shard(7, "a", a.incarnation);
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(first->owner, "a");
  CAF_CHECK_EQUAL(first->epoch, 1);
  CAF_CHECK(!first->released);
  // Claiming again is idempotent.
  auto again = members->claim_shard(7, "a", a.incarnation);
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->epoch, 1);
  CAF_CHECK(!members->claim_shard(7, "b", b.incarnation));
  CAF_CHECK(!members->release_shard(7, "b", b.incarnation, 1));
  CAF_CHECK(!members->release_shard(7, "a", a.incarnation + 1, 1));
  CAF_CHECK(!members->release_shard(7, "a", a.incarnation, 2));
  auto released = members->release_shard(7, "a", a.incarnation, 1);
  CAF_REQUIRE(released);
  CAF_CHECK(released->released);
  auto seen = members->shard(7);
  CAF_CHECK(seen && seen->released);
  auto moved = members->claim_shard(7, "b", b.incarnation);
  CAF_REQUIRE(moved);
  CAF_CHECK_EQUAL(moved->owner, "b");
  CAF_CHECK_EQUAL(moved->epoch, 2);
  CAF_CHECK(!moved->released);
  // The old owner's release belongs to an ownership that is over.
  CAF_CHECK(!members->release_shard(7, "a", a.incarnation, 1));
  CAF_CHECK(!members->claim_shard(7, "a", a.incarnation));
  CAF_CHECK(status_of("a") == member_status::up);
  CAF_CHECK(!members->shard(8));
  auto all = members->shards();
  CAF_REQUIRE_EQUAL(all.size(), 1u);
  CAF_CHECK_EQUAL(all[0].shard, 7);
  auto view = members->snapshot();
  CAF_CHECK_EQUAL(view.membership.members.size(), 2u);
  CAF_CHECK_GREATER(view.membership.db_now_ms, 0);
  CAF_REQUIRE_EQUAL(view.shards.size(), 1u);
  CAF_CHECK_EQUAL(view.shards[0].owner, "b");
}

CAF_TEST(a shard moves from an owner whose lease expired which is then down) {
  auto a = join_up("a", short_lease);
  auto b = join_up("b");
  CAF_REQUIRE(members->claim_shard(1, "a", a.incarnation));
  CAF_CHECK(!members->claim_shard(1, "b", b.incarnation));
  CAF_REQUIRE(lease_expired_by_db(a));
  auto taken = members->claim_shard(1, "b", b.incarnation);
  CAF_REQUIRE(taken);
  CAF_CHECK_EQUAL(taken->owner, "b");
  CAF_CHECK_EQUAL(taken->epoch, 2);
  CAF_CHECK(status_of("a") == member_status::down);
  CAF_CHECK(!members->renew("a", a.incarnation, long_lease));
}

CAF_TEST(a fresh incarnation may reclaim the shards of its previous one) {
  auto a = join_up("a", short_lease);
  CAF_REQUIRE(members->claim_shard(3, "a", a.incarnation));
  CAF_REQUIRE(lease_expired_by_db(a));
  auto again = members->join("a", "a:4000", "a:8080", long_lease);
  CAF_REQUIRE(again);
  auto claimed = members->claim_shard(3, "a", again->incarnation);
  CAF_REQUIRE(claimed);
  CAF_CHECK_EQUAL(claimed->owner_incarnation, again->incarnation);
  CAF_CHECK_EQUAL(claimed->epoch, 2);
}

CAF_TEST(only a joining or up member with a running lease may claim) {
  auto a = join_up("a");
  CAF_CHECK(!members->claim_shard(1, "ghost", 1));
  CAF_CHECK(!members->claim_shard(1, "a", a.incarnation + 1));
  CAF_CHECK(!members->shard(1));
  auto leaving = members->set_status("a", a.version, member_status::leaving);
  CAF_REQUIRE(leaving);
  CAF_CHECK(!members->claim_shard(1, "a", a.incarnation));
  auto joining = members->join("b", "b:4000", "b:8080", long_lease);
  CAF_REQUIRE(joining);
  CAF_CHECK(members->claim_shard(1, "b", joining->incarnation));
}

CAF_TEST(of several nodes racing to claim one shard exactly one owns it) {
  constexpr int nodes = 6;
  std::vector<member_row> rows;
  for (int i = 0; i < nodes; ++i)
    rows.push_back(join_up("n" + std::to_string(i)));
  std::atomic<int> wins{0};
  race(nodes, [&](int i) {
    if (members->claim_shard(5, rows[i].node_id, rows[i].incarnation))
      ++wins;
  });
  CAF_CHECK_EQUAL(wins.load(), 1);
  auto owner = members->shard(5);
  CAF_REQUIRE(owner);
  CAF_CHECK_EQUAL(owner->epoch, 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
