#define CAF_SUITE actors.cluster_node
#include "tests/support/caf_test.hpp"

#include "actors/cluster_node.hpp"
#include "actors/shard_allocation.hpp"

using namespace mall::actors;

namespace {

constexpr size_t shards = 8;

struct fixture {
  cluster_table table{shards};
  lease_rules rules{1000, 100, 250, 500};
  cluster_node a{"a", shards, rules};
  cluster_node b{"b", shards, rules};

  /// One step of `n` at `now` against the table, without delays.
  node_plan step(cluster_node& n, int64_t now) {
    auto view = table.snapshot();
    auto plan = n.step(view, now);
    for (auto& r : plan.requests)
      n.on_reply(r, table.apply(r));
    return plan;
  }

  /// Steps `n` every 50 ms from `from` to `to` (inclusive).
  void run(cluster_node& n, int64_t from, int64_t to) {
    for (auto t = from; t <= to; t += 50)
      step(n, t);
  }

  size_t served(const cluster_node& n, int64_t now) {
    size_t result = 0;
    for (size_t s = 0; s < shards; ++s)
      result += n.may_serve(s, now) ? 1 : 0;
    return result;
  }

  /// The shards `b` owns when both are up.
  std::vector<size_t> shards_of_b() {
    std::vector<size_t> result;
    shard_allocation both{shards, {"a", "b"}};
    for (size_t s = 0; s < shards; ++s)
      if (both.owner(s) == "b")
        result.push_back(s);
    CAF_REQUIRE(!result.empty());
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_node_tests, fixture)

CAF_TEST(a lone node joins claims every shard and keeps serving) {
  run(a, 0, 100);
  CAF_CHECK_EQUAL(a.incarnation(), 1u);
  CAF_CHECK_EQUAL(served(a, 100), shards);
  run(a, 150, 5000);
  CAF_CHECK_EQUAL(served(a, 5000), shards);
  CAF_CHECK_GREATER(a.lease_expiry_ms(), 5000 + rules.margin_ms);
}

CAF_TEST(a node without renewals stops serving a margin before its expiry) {
  run(a, 0, 300);
  auto expiry = a.lease_expiry_ms();
  CAF_CHECK_EQUAL(served(a, expiry - rules.margin_ms - 1), shards);
  CAF_CHECK_EQUAL(served(a, expiry - rules.margin_ms), 0u);
  // A renewal that succeeds in time (nobody took over) lets it go on.
  run(a, expiry, expiry);
  CAF_CHECK_EQUAL(served(a, expiry), shards);
}

CAF_TEST(a node marked down serves nothing and rejoins as a new incarnation) {
  run(a, 0, 300);
  auto* row = table.snapshot().member("a");
  CAF_REQUIRE(row != nullptr);
  CAF_REQUIRE(table.apply(mark_down_request{"a", row->version}).ok);
  step(a, 350);
  CAF_CHECK_EQUAL(served(a, 350), 0u);
  run(a, 400, 600);
  CAF_CHECK_EQUAL(a.incarnation(), 2u);
  CAF_CHECK_EQUAL(served(a, 600), shards);
}

CAF_TEST(
    a joiner takes a shard only after the old owner drained and released it) {
  run(a, 0, 300);
  run(b, 300, 400);
  auto moving = shards_of_b();
  CAF_CHECK_EQUAL(served(b, 400), 0u);
  auto plan = step(a, 450);
  CAF_CHECK_EQUAL(plan.drain, moving);
  for (auto s : moving) {
    CAF_CHECK(a.may_serve(s, 450));
    CAF_CHECK(!a.accepts_commands(s, 450));
  }
  run(b, 500, 600);
  CAF_CHECK_EQUAL(served(b, 600), 0u);
  for (auto s : moving)
    a.on_drained(s);
  step(a, 650);
  CAF_CHECK_EQUAL(served(a, 650), shards - moving.size());
  step(b, 700);
  CAF_CHECK_EQUAL(served(b, 700), moving.size());
  for (auto s : moving)
    CAF_CHECK(b.accepts_commands(s, 700));
}

CAF_TEST(shards of a silent node move only after its lease and the margin) {
  run(a, 0, 300);
  auto expiry = table.snapshot().member("a")->lease_expiry_ms;
  // a crashes: no more steps. b joins and waits.
  run(b, 350, expiry + rules.margin_ms - 50);
  CAF_CHECK_EQUAL(served(b, expiry + rules.margin_ms - 50), 0u);
  CAF_CHECK_EQUAL(table.snapshot().member("a")->status, member_status::up);
  run(b, expiry + rules.margin_ms, expiry + rules.margin_ms + 200);
  CAF_CHECK_EQUAL(table.snapshot().member("a")->status, member_status::down);
  CAF_CHECK_EQUAL(served(b, expiry + rules.margin_ms + 200), shards);
}

CAF_TEST(a leaving node hands off every shard and then marks itself down) {
  run(a, 0, 300);
  run(b, 300, 400);
  a.leave();
  for (int64_t t = 450; t < 1200 && !a.has_left(); t += 50) {
    step(a, t);
    for (size_t s = 0; s < shards; ++s)
      a.on_drained(s); // nothing in flight
    step(b, t + 25);
    for (size_t s = 0; s < shards; ++s)
      CAF_CHECK(!(a.may_serve(s, t + 25) && b.may_serve(s, t + 25)));
  }
  CAF_CHECK(a.has_left());
  CAF_CHECK_EQUAL(table.snapshot().member("a")->status, member_status::down);
  run(b, 1200, 1300);
  CAF_CHECK_EQUAL(served(b, 1300), shards);
}

CAF_TEST_FIXTURE_SCOPE_END()
