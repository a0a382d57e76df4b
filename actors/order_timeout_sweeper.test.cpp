#define CAF_SUITE actors.order_timeout_sweeper
#include "tests/support/caf_test.hpp"

#include "actors/order_timeout_sweeper.hpp"
#include "actors/runtime_messages.hpp"

#include <nlohmann/json.hpp>

using namespace mall;
using namespace mall::actors;
using namespace std::chrono_literals;

namespace {

/// Records asks and answers them when told to.
class fake_gateway : public entity_gateway {
public:
  void ask(entity_command cmd, int64_t timeout_ms,
           reply_handler on_reply) override {
    asked.push_back(std::move(cmd));
    pending.push_back(std::move(on_reply));
  }

  void answer_all(entity_reply reply) {
    auto xs = std::move(pending);
    pending.clear();
    for (auto& f : xs)
      f(reply);
  }

  std::vector<entity_command> asked;
  std::vector<reply_handler> pending;
};

struct fixture : test_coordinator_fixture<> {
  ~fixture() override {
    caf::anon_send_exit(sweeper, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start() {
    order_timeout_sweeper_config cfg;
    cfg.find_overdue = [this](int64_t cutoff) {
      cutoffs.push_back(cutoff);
      if (fail_lookups > 0) {
        --fail_lookups;
        throw std::runtime_error("read model down");
      }
      return overdue;
    };
    cfg.now_ms = [this] { return now; };
    cfg.interval = 1s;
    cfg.order_timeout = 10s;
    cfg.detached = false;
    sweeper = spawn_order_timeout_sweeper(sys, gateway, std::move(cfg));
    sched.run();
  }

  void pass(caf::timespan d) {
    for (caf::timespan t{0}; t < d; t += 100ms) {
      sched.clock().advance_time(100ms);
      now += 100;
      sched.run();
    }
  }

  nlohmann::json describe() {
    auto rh = self->request(sweeper, caf::infinite, describe_atom::value);
    sched.run();
    nlohmann::json result;
    rh.receive([&](std::string& text) { result = nlohmann::json::parse(text); },
               [](caf::error&) {});
    return result;
  }

  fake_gateway gateway;
  std::vector<int64_t> cutoffs;
  std::vector<std::string> overdue;
  int fail_lookups = 0;
  int64_t now = 1'700'000'000'000;
  caf::actor sweeper;
};

const entity_reply ok_reply{{}, {}, "{}", "1.1", true};

} // namespace

CAF_TEST_FIXTURE_SCOPE(order_timeout_sweeper_tests, fixture)

CAF_TEST(every interval overdue orders are rejected with reason timeout) {
  overdue = {"o_1", "o_2"};
  start();
  pass(900ms);
  CAF_CHECK(cutoffs.empty());
  pass(100ms);
  CAF_REQUIRE_EQUAL(cutoffs.size(), 1u);
  CAF_CHECK_EQUAL(cutoffs[0], now - 10'000);
  CAF_REQUIRE_EQUAL(gateway.asked.size(), 2u);
  CAF_CHECK_EQUAL(gateway.asked[0].type, "order");
  CAF_CHECK_EQUAL(gateway.asked[0].id, "o_1");
  CAF_CHECK_EQUAL(gateway.asked[1].id, "o_2");
  auto body = nlohmann::json::parse(gateway.asked[0].body);
  CAF_CHECK_EQUAL(body,
                  (nlohmann::json{{"type", "reject"}, {"reason", "timeout"}}));
  gateway.answer_all(ok_reply);
  sched.run();
  overdue = {"o_3"};
  pass(1s);
  CAF_CHECK_EQUAL(cutoffs.size(), 2u);
  CAF_REQUIRE_EQUAL(gateway.asked.size(), 3u);
  CAF_CHECK_EQUAL(gateway.asked[2].id, "o_3");
  auto tree = describe();
  CAF_CHECK_EQUAL(tree["rejected"], 2);
}

CAF_TEST(an order whose reject is unanswered is not sent another) {
  overdue = {"o_1"};
  start();
  pass(2s);
  CAF_CHECK_EQUAL(cutoffs.size(), 2u);
  CAF_CHECK_EQUAL(gateway.asked.size(), 1u);
  gateway.answer_all(entity_reply{"unavailable", "timeout", {}, {}, false});
  sched.run();
  // Failed, so the next sweep, which still finds it, tries again.
  pass(1s);
  CAF_CHECK_EQUAL(gateway.asked.size(), 2u);
}

CAF_TEST(a failing lookup skips one sweep and the next one works) {
  overdue = {"o_1"};
  fail_lookups = 1;
  start();
  pass(1s);
  CAF_CHECK_EQUAL(cutoffs.size(), 1u);
  CAF_CHECK(gateway.asked.empty());
  pass(1s);
  CAF_CHECK_EQUAL(gateway.asked.size(), 1u);
  auto tree = describe();
  CAF_CHECK_EQUAL(tree["kind"], "policy");
  CAF_CHECK_EQUAL(tree["sweeps"], 2);
}

CAF_TEST_FIXTURE_SCOPE_END()
