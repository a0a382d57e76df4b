#define CAF_SUITE actors.entity_router
#include "tests/support/caf_test.hpp"

#include "actors/entity_router.hpp"
#include "actors/runtime_messages.hpp"
#include "actors/testing/counter_aggregate.hpp"
#include "persistence/memory_journal.hpp"

#include <optional>

using namespace mall;
using namespace mall::actors;
using namespace std::chrono_literals;
using counter = actors::testing::counter_aggregate;

namespace {

/// Holds every append until released, to keep an entity busy.
class stalling_journal : public persistence::memory_journal {
public:
  void append(std::vector<persistence::event_record> events,
              append_callback done) override {
    if (stall) {
      held.push_back(std::move(done));
      return;
    }
    memory_journal::append(std::move(events), std::move(done));
  }

  bool stall = false;
  std::vector<append_callback> held;
};

struct fixture : test_coordinator_fixture<> {
  fixture() {
    auto registry = std::make_shared<entity_registry>();
    registry->add<counter>();
    auto env = std::make_shared<entity_environment>();
    env->journal = journal;
    env->now_ms = [] { return int64_t{1'700'000'000'000}; };
    env->settings.shard_count = 4;
    env->settings.shard_tick = 50ms;
    env->settings.restart_backoff_min = 100ms;
    router.emplace(sys, registry, env);
    sched.run();
  }

  ~fixture() override {
    router.reset();
    sched.run();
  }

  /// Asks through the gateway; the reply, if any came while actors ran.
  std::optional<entity_reply> ask(std::string id, std::string body,
                                  std::string type = "counter") {
    auto out = std::make_shared<std::optional<entity_reply>>();
    router->ask(entity_command{std::move(type), std::move(id), std::move(body),
                               "trace-1"},
                2000, [out](entity_reply r) { *out = std::move(r); });
    sched.run();
    return *out;
  }

  void pass(caf::timespan d) {
    for (caf::timespan t{0}; t < d; t += 10ms) {
      sched.clock().advance_time(10ms);
      sched.run();
    }
  }

  nlohmann::json tree() {
    nlohmann::json result;
    router->supervision_tree([&](nlohmann::json t) { result = std::move(t); });
    sched.run();
    return result;
  }

  std::shared_ptr<stalling_journal> journal =
      std::make_shared<stalling_journal>();
  std::optional<entity_router> router;
};

const char* inc_cmd = R"({"type":"increment","by":1})";
const char* get_cmd = R"({"type":"get"})";

} // namespace

CAF_TEST_FIXTURE_SCOPE(entity_router_tests, fixture)

CAF_TEST(ask routes a command to its entity and calls back once) {
  auto r = ask("a", inc_cmd);
  CAF_REQUIRE(r.has_value());
  CAF_CHECK_EQUAL(r->body, R"({"value":1})");
  CAF_CHECK_EQUAL(r->position, "1.1");
  CAF_CHECK_EQUAL(ask("a", get_cmd)->body, R"({"value":1})");
  CAF_CHECK_EQUAL(ask("b", get_cmd)->body, R"({"value":0})");
}

CAF_TEST(an unknown entity type is not found) {
  auto r = ask("a", get_cmd, "nosuch");
  CAF_REQUIRE(r.has_value());
  CAF_CHECK_EQUAL(r->error_code, "not_found");
}

CAF_TEST(an ask that outlives its timeout is answered unavailable) {
  journal->stall = true;
  auto r = ask("a", inc_cmd);
  CAF_CHECK(!r.has_value());
  int calls = 0;
  entity_reply late;
  router->ask(entity_command{"counter", "a", get_cmd, "t"}, 500,
              [&](entity_reply x) {
                ++calls;
                late = std::move(x);
              });
  sched.run();
  pass(600ms);
  CAF_CHECK_EQUAL(calls, 1);
  CAF_CHECK_EQUAL(late.error_code, "unavailable");
}

CAF_TEST(the shard of an entity is stable and spreads entities) {
  CAF_CHECK_EQUAL(entity_router::shard_for("counter", "a", 64),
                  entity_router::shard_for("counter", "a", 64));
  std::vector<int> hits(4);
  for (int i = 0; i < 400; ++i)
    ++hits[entity_router::shard_for("counter", std::to_string(i), 4)];
  for (auto h : hits)
    CAF_CHECK(h > 50);
}

CAF_TEST(a crashed shard is restarted empty and its entities recover) {
  ask("a", inc_cmd);
  ask("a", inc_cmd);
  auto index = entity_router::shard_for("counter", "a", 4);
  router->crash_shard(index);
  sched.run();
  // Until the region restarts it, the shard's commands fail fast.
  auto during = ask("a", get_cmd);
  CAF_REQUIRE(during.has_value());
  CAF_CHECK_EQUAL(during->error_code, "unavailable");
  pass(200ms);
  CAF_CHECK_EQUAL(ask("a", get_cmd)->body, R"({"value":2})");
  auto t = tree();
  CAF_CHECK_EQUAL(t["kind"], "region");
  CAF_REQUIRE_EQUAL(t["children"].size(), 4u);
  CAF_CHECK_EQUAL(t["children"][index]["restarts"], 1);
  CAF_CHECK_EQUAL(t["children"][index]["status"], "up");
}

CAF_TEST(watched actors join the supervision tree after the shards) {
  auto consumer = sys.spawn([]() -> caf::behavior {
    return {[](describe_atom) {
      return std::string{R"({"name":"consumer-x","kind":"consumer",)"
                         R"("status":"running","restarts":0,"children":[]})"};
    }};
  });
  auto gone = sys.spawn([]() -> caf::behavior { return {[](int) {}}; });
  caf::anon_send_exit(gone, caf::exit_reason::kill);
  router->show_in_tree("consumer-x", "consumer", consumer);
  router->show_in_tree("order_timeout_sweeper", "policy", gone);
  sched.run();
  auto t = tree();
  CAF_REQUIRE_EQUAL(t["children"].size(), 6u);
  CAF_CHECK_EQUAL(t["children"][4]["name"], "consumer-x");
  CAF_CHECK_EQUAL(t["children"][4]["status"], "running");
  CAF_CHECK_EQUAL(t["children"][5]["kind"], "policy");
  CAF_CHECK_EQUAL(t["children"][5]["status"], "down");
  // Restarted under the same name: replaced, not listed twice.
  router->show_in_tree("order_timeout_sweeper", "policy", consumer);
  sched.run();
  auto again = tree();
  CAF_REQUIRE_EQUAL(again["children"].size(), 6u);
  CAF_CHECK_EQUAL(again["children"][5]["status"], "running");
  caf::anon_send_exit(consumer, caf::exit_reason::kill);
  sched.run();
}

CAF_TEST(crash_entity restarts only that entity) {
  ask("a", inc_cmd);
  router->crash_entity("counter", "a");
  sched.run();
  pass(200ms);
  CAF_CHECK_EQUAL(ask("a", get_cmd)->body, R"({"value":1})");
  auto t = tree();
  auto index = entity_router::shard_for("counter", "a", 4);
  auto& shard = t["children"][index];
  CAF_REQUIRE_EQUAL(shard["children"].size(), 1u);
  CAF_CHECK_EQUAL(shard["children"][0]["name"], "counter|a");
  CAF_CHECK_EQUAL(shard["children"][0]["restarts"], 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
