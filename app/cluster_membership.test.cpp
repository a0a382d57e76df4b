#define CAF_SUITE app.cluster_membership
#include "tests/support/caf_test.hpp"

#include "app/cluster_membership.hpp"
#include "persistence/pg_schema.hpp"
#include "tests/support/test_postgres.hpp"

#include <chrono>
#include <thread>

using namespace mall;
using namespace std::chrono_literals;

namespace {

/// Polls `condition` until it holds or `timeout` runs out.
template<class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

struct fixture : test_support::postgres_fixture {
  fixture() {
    auto steps = persistence::pg_schema::journal_migrations();
    for (const auto& step : persistence::pg_membership::migrations())
      steps.push_back(step);
    CAF_REQUIRE(persistence::pg_schema{steps}.migrate(url).ok());
    table = std::make_shared<persistence::pg_membership>(url);
  }

  std::unique_ptr<app::cluster_membership> start(const std::string& node) {
    app::cluster_membership_options o;
    o.node_id = node;
    o.address = "127.0.0.1:4000";
    o.http_address = "127.0.0.1:8080";
    o.lease = 600ms;
    o.shard_count = 8;
    return std::make_unique<app::cluster_membership>(table, o);
  }

  std::shared_ptr<persistence::pg_membership> table;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_membership_tests, fixture)

CAF_TEST(a node joins claims every shard and serves) {
  auto node = start("n1");
  CAF_REQUIRE(eventually([&] { return node->serving(); }, 10s));
  CAF_CHECK_EQUAL(node->incarnation(), 1);
  auto view = table->snapshot();
  CAF_REQUIRE_EQUAL(view.membership.members.size(), 1u);
  CAF_CHECK(view.membership.members[0].status ==
            persistence::member_status::up);
  CAF_REQUIRE_EQUAL(view.shards.size(), 8u);
  for (auto& s : view.shards)
    CAF_CHECK_EQUAL(s.owner, "n1");
  // Renewals keep it serving well past one lease.
  auto until = std::chrono::steady_clock::now() + 1500ms;
  while (std::chrono::steady_clock::now() < until) {
    CAF_REQUIRE(node->serving());
    std::this_thread::sleep_for(50ms);
  }
}

CAF_TEST(a second process of a node id waits until the first has left) {
  auto first = start("n1");
  CAF_REQUIRE(eventually([&] { return first->serving(); }, 10s));
  auto second = start("n1");
  // Two leases long, the twin never serves while the first lives.
  CAF_CHECK(!eventually([&] { return second->serving(); }, 1200ms));
  first.reset();
  CAF_CHECK(eventually([&] { return second->serving(); }, 10s));
  CAF_CHECK_EQUAL(second->incarnation(), 2);
  for (auto& s : table->shards())
    CAF_CHECK_EQUAL(s.owner_incarnation, 2);
}

CAF_TEST(leaving releases every shard and marks the node down) {
  auto node = start("n1");
  CAF_REQUIRE(eventually([&] { return node->serving(); }, 10s));
  node.reset();
  auto view = table->snapshot();
  CAF_CHECK(view.membership.members.at(0).status ==
            persistence::member_status::down);
  for (auto& s : view.shards)
    CAF_CHECK(s.released);
}

CAF_TEST_FIXTURE_SCOPE_END()
