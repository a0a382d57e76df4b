#define CAF_SUITE app.cluster_membership
#include "tests/support/caf_test.hpp"

#include "actors/shard_allocation.hpp"
#include "app/cluster_membership.hpp"
#include "persistence/pg_membership.hpp"
#include "persistence/pg_schema.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/test_postgres.hpp"

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

using namespace mall;
using namespace std::chrono_literals;
using mall::test_support::eventually;

namespace {

constexpr size_t shard_count = 8;

/// One member with the routes it writes and what its hooks saw.
struct member {
  std::shared_ptr<actors::shard_routes> routes =
      std::make_shared<actors::shard_routes>(shard_count);
  std::atomic<int> resets{0};
  std::atomic<bool> left{false};
  std::unique_ptr<app::cluster_membership> membership;

  std::set<size_t> local_shards() const {
    std::set<size_t> result;
    for (size_t s = 0; s < shard_count; ++s)
      if (routes->phase(s) == actors::route_phase::local)
        result.insert(s);
    return result;
  }
};

struct fixture : test_support::postgres_fixture {
  fixture() {
    auto steps = persistence::pg_schema::journal_migrations();
    for (const auto& step : persistence::pg_membership::migrations())
      steps.push_back(step);
    CAF_REQUIRE(persistence::pg_schema{steps}.migrate(url).ok());
    table = std::make_shared<persistence::pg_membership>(url);
  }

  std::unique_ptr<member> start(const std::string& node) {
    auto m = std::make_unique<member>();
    app::cluster_membership_options o;
    o.steward.node_id = node;
    o.steward.address = "127.0.0.1:4000";
    o.steward.http_address = "127.0.0.1:8080";
    o.steward.lease = 600ms;
    o.steward.drain_timeout = 3s;
    o.steward.shard_count = shard_count;
    o.tick = 50ms;
    app::cluster_membership_hooks hooks;
    auto* raw = m.get();
    hooks.reset_shard = [raw](size_t) { ++raw->resets; };
    hooks.left = [raw] { raw->left = true; };
    m->membership =
        std::make_unique<app::cluster_membership>(table, m->routes, o, hooks);
    return m;
  }

  /// The owner of every shard, from the table (released shards: "").
  std::vector<std::string> owners() {
    std::vector<std::string> result(shard_count);
    for (auto& s : table->shards())
      if (!s.released)
        result[s.shard] = s.owner;
    return result;
  }

  std::shared_ptr<persistence::pg_membership> table;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_membership_tests, fixture)

CAF_TEST(a node alone claims every shard and serves them past one lease) {
  auto n1 = start("n1");
  CAF_REQUIRE(eventually([&] { return n1->membership->ready(); }, 10s));
  CAF_CHECK_EQUAL(n1->membership->incarnation(), 1);
  CAF_CHECK_EQUAL(n1->local_shards().size(), shard_count);
  CAF_CHECK_EQUAL(owners(), std::vector<std::string>(shard_count, "n1"));
  auto until = std::chrono::steady_clock::now() + 1500ms;
  while (std::chrono::steady_clock::now() < until) {
    CAF_REQUIRE(n1->membership->serving());
    CAF_REQUIRE(n1->routes->enter_local(0));
    n1->routes->leave_local(0);
    std::this_thread::sleep_for(50ms);
  }
}

CAF_TEST(a second process of a node id waits until the first has left) {
  auto first = start("n1");
  CAF_REQUIRE(eventually([&] { return first->membership->ready(); }, 10s));
  auto second = start("n1");
  // Two leases long, the twin never serves while the first lives.
  CAF_CHECK(!eventually([&] { return second->membership->serving(); }, 1200ms));
  first.reset();
  CAF_CHECK(eventually([&] { return second->membership->ready(); }, 10s));
  CAF_CHECK_EQUAL(second->membership->incarnation(), 2);
  for (auto& s : table->shards())
    CAF_CHECK_EQUAL(s.owner_incarnation, 2);
}

CAF_TEST(stopping releases every shard and marks the node down) {
  auto n1 = start("n1");
  CAF_REQUIRE(eventually([&] { return n1->membership->ready(); }, 10s));
  n1.reset();
  auto view = table->snapshot();
  CAF_CHECK(view.membership.members.at(0).status ==
            persistence::member_status::down);
  for (auto& s : view.shards)
    CAF_CHECK(s.released);
}

CAF_TEST(two nodes split the shards as the allocation says and route the rest) {
  auto n1 = start("n1");
  CAF_REQUIRE(eventually([&] { return n1->membership->ready(); }, 10s));
  auto n2 = start("n2");
  actors::shard_allocation target{shard_count, {"n1", "n2"}};
  std::vector<std::string> expected;
  for (size_t s = 0; s < shard_count; ++s)
    expected.push_back(target.owner(s));
  CAF_REQUIRE(eventually([&] { return owners() == expected; }, 10s));
  CAF_REQUIRE(eventually(
      [&] {
        return n1->membership->ready() && n2->membership->ready() &&
               n1->local_shards().size() + n2->local_shards().size() ==
                   shard_count;
      },
      10s));
  auto routed_right = [&] {
    for (size_t s = 0; s < shard_count; ++s) {
      auto& server = expected[s] == "n1" ? n1 : n2;
      auto& other = expected[s] == "n1" ? n2 : n1;
      auto route = other->routes->remote_owner(s);
      if (server->local_shards().count(s) == 0 || !route ||
          route->node_id != expected[s])
        return false;
    }
    return true;
  };
  CAF_CHECK(eventually(routed_right, 5s));
  // n1 stopped the entities of every shard it gave away.
  CAF_CHECK_EQUAL(static_cast<size_t>(n1->resets.load()),
                  n2->local_shards().size());
}

CAF_TEST(a handoff waits for the commands in flight on the shard) {
  auto n1 = start("n1");
  CAF_REQUIRE(eventually([&] { return n1->membership->ready(); }, 10s));
  actors::shard_allocation target{shard_count, {"n1", "n2"}};
  size_t moving = 0;
  while (target.owner(moving) != "n2")
    ++moving;
  CAF_REQUIRE(n1->routes->enter_local(moving));
  auto n2 = start("n2");
  // n1 stops taking commands of the shard but keeps it while one runs.
  CAF_REQUIRE(eventually(
      [&] {
        return n1->routes->phase(moving) == actors::route_phase::draining;
      },
      10s));
  CAF_CHECK(!n1->routes->enter_local(moving));
  std::this_thread::sleep_for(300ms);
  auto before = owners();
  CAF_CHECK_EQUAL(before[moving], "n1");
  CAF_CHECK(n2->local_shards().count(moving) == 0);
  n1->routes->leave_local(moving);
  CAF_CHECK(
      eventually([&] { return n2->local_shards().count(moving) == 1; }, 10s));
  auto after = owners();
  CAF_CHECK_EQUAL(after[moving], "n2");
}

CAF_TEST(a graceful leave hands every shard to the others and then stops) {
  auto n1 = start("n1");
  auto n2 = start("n2");
  CAF_REQUIRE(eventually(
      [&] {
        return n1->membership->ready() && n2->membership->ready() &&
               !n1->local_shards().empty() && !n2->local_shards().empty();
      },
      10s));
  n1->membership->leave();
  CAF_REQUIRE(n1->membership->wait_until_left(10s));
  CAF_CHECK(n1->left.load());
  CAF_CHECK(n1->local_shards().empty());
  CAF_CHECK(!n1->membership->serving());
  CAF_CHECK(eventually([&] { return n2->local_shards().size() == shard_count; },
                       10s));
  CAF_CHECK_EQUAL(owners(), std::vector<std::string>(shard_count, "n2"));
  auto view = table->members();
  for (auto& m : view.members)
    if (m.node_id == "n1")
      CAF_CHECK(m.status == persistence::member_status::down);
}

CAF_TEST(a node that lost its lease stops serving and rejoins afresh) {
  auto n1 = start("n1");
  CAF_REQUIRE(eventually([&] { return n1->membership->ready(); }, 10s));
  // Another node declares it down (as after its lease ran out unseen).
  auto view = table->members();
  CAF_REQUIRE(table->set_status("n1", view.members.at(0).version,
                                persistence::member_status::down));
  CAF_CHECK(
      eventually([&] { return n1->membership->incarnation() == 2; }, 10s));
  CAF_CHECK(n1->resets.load() >= static_cast<int>(shard_count));
  CAF_CHECK(eventually([&] { return n1->membership->ready(); }, 10s));
  for (auto& s : table->shards())
    CAF_CHECK_EQUAL(s.owner_incarnation, 2);
}

CAF_TEST_FIXTURE_SCOPE_END()
