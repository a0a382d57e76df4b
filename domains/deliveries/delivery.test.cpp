#define CAF_SUITE domains.deliveries.delivery
#include "tests/support/caf_test.hpp"

#include "domains/deliveries/delivery.hpp"

using namespace mall::domains;
using namespace mall::domains::deliveries;

namespace {

struct fixture {
  delivery state;
  command_context ctx{"d_ab12", 1'000};

  // Decides and applies, as the entity actor does once events are durable.
  decision<delivery_event> run(const delivery_command& cmd) {
    auto d = decide(state, cmd, ctx);
    for (const auto& ev : d.events)
      state = apply(state, ev);
    ctx.now_ms += 1'000;
    return d;
  }

  void start() {
    auto d = run(start_delivery{"o_ab12", "u1", "Seoul 1"});
    CAF_REQUIRE(!d.rejected());
    CAF_REQUIRE_EQUAL(d.events.size(), 1u);
  }

  void check_nothing(const delivery_command& cmd) {
    auto before = state.status;
    auto d = run(cmd);
    CAF_CHECK(!d.rejected());
    CAF_CHECK(d.events.empty());
    CAF_CHECK(state.status == before);
  }

  void check_rejected(const delivery_command& cmd, const std::string& code) {
    auto d = run(cmd);
    CAF_REQUIRE(d.rejected());
    CAF_CHECK_EQUAL(d.error->code, code);
    CAF_CHECK(d.events.empty());
  }
};

template<class Event> Event only_event(const decision<delivery_event>& d) {
  CAF_REQUIRE(!d.rejected());
  CAF_REQUIRE_EQUAL(d.events.size(), 1u);
  CAF_REQUIRE(std::holds_alternative<Event>(d.events.front()));
  return std::get<Event>(d.events.front());
}

} // namespace

CAF_TEST(the delivery id is derived from the order id) {
  CAF_CHECK_EQUAL(delivery_id_for("o_0123456789abcdef"), "d_0123456789abcdef");
  CAF_CHECK_EQUAL(delivery_id_for("o_1"), "d_1");
  CAF_CHECK_EQUAL(delivery_id_for("legacy"), "d_legacy");
}

CAF_TEST_FIXTURE_SCOPE(delivery_tests, fixture)

CAF_TEST(start opens the delivery of its order) {
  auto e = only_event<delivery_started>(
      run(start_delivery{"o_ab12", "u1", "Seoul 1"}));
  CAF_CHECK_EQUAL(e.order_id, "o_ab12");
  CAF_CHECK_EQUAL(e.user_id, "u1");
  CAF_CHECK_EQUAL(e.address, "Seoul 1");
  CAF_CHECK_EQUAL(e.at, 1'000);
  CAF_CHECK(state.status == delivery_status::started);
  CAF_CHECK_EQUAL(state.id, "d_ab12");
  CAF_CHECK_EQUAL(state.order_id, "o_ab12");
  CAF_CHECK_EQUAL(state.created_at_ms, 1'000);
  CAF_CHECK_EQUAL(state.updated_at_ms, 1'000);
  CAF_CHECK(visible(state));
}

CAF_TEST(starting twice records nothing) {
  start();
  check_nothing(start_delivery{"o_ab12", "u1", "Seoul 1"});
  CAF_CHECK_EQUAL(state.created_at_ms, 1'000);
}

CAF_TEST(a command for another order is refused) {
  check_rejected(start_delivery{"o_other", "u1", "Seoul 1"}, "invalid_input");
  check_rejected(cancel_delivery{"o_other"}, "invalid_input");
  CAF_CHECK(state.status == delivery_status::none);
}

CAF_TEST(cancel stops a started delivery once) {
  start();
  only_event<delivery_cancelled>(run(cancel_delivery{"o_ab12"}));
  CAF_CHECK(state.status == delivery_status::cancelled);
  CAF_CHECK_EQUAL(state.updated_at_ms, 2'000);
  CAF_CHECK(visible(state));
  check_nothing(cancel_delivery{"o_ab12"});
}

CAF_TEST(cancel before the start voids the delivery and refuses a late start) {
  auto e = only_event<delivery_voided>(run(cancel_delivery{"o_ab12"}));
  CAF_CHECK_EQUAL(e.order_id, "o_ab12");
  CAF_CHECK(state.status == delivery_status::voided);
  CAF_CHECK(!visible(state));
  check_nothing(start_delivery{"o_ab12", "u1", "Seoul 1"});
  check_nothing(cancel_delivery{"o_ab12"});
  check_rejected(get_delivery{}, "not_found");
  check_rejected(complete_delivery{}, "not_found");
}

CAF_TEST(complete finishes a started delivery and repeats are no ops) {
  start();
  auto e = only_event<delivery_completed>(run(complete_delivery{}));
  CAF_CHECK_EQUAL(e.order_id, "o_ab12");
  CAF_CHECK(state.status == delivery_status::completed);
  check_nothing(complete_delivery{});
  // A completed delivery stays completed when its order is cancelled late.
  check_nothing(cancel_delivery{"o_ab12"});
  CAF_CHECK(state.status == delivery_status::completed);
}

CAF_TEST(completing a cancelled delivery is refused) {
  start();
  run(cancel_delivery{"o_ab12"});
  check_rejected(complete_delivery{}, "delivery_cancelled");
  CAF_CHECK(state.status == delivery_status::cancelled);
}

CAF_TEST(a delivery that never started is not found) {
  check_rejected(get_delivery{}, "not_found");
  check_rejected(complete_delivery{}, "not_found");
  CAF_CHECK(state.status == delivery_status::none);
}

CAF_TEST(get records nothing once started) {
  start();
  check_nothing(get_delivery{});
  run(complete_delivery{});
  check_nothing(get_delivery{});
}

CAF_TEST_FIXTURE_SCOPE_END()
