#define CAF_SUITE domains.orders.order
#include "tests/support/caf_test.hpp"

#include "domains/orders/order.hpp"

using namespace mall::domains;
using namespace mall::domains::orders;

namespace {

struct fixture {
  order state;
  command_context ctx{"o_1", 1'000};

  // Decides and applies, as the entity actor does once events are durable.
  decision<order_event> run(const order_command& cmd) {
    auto d = decide(state, cmd, ctx);
    for (const auto& ev : d.events)
      state = apply(state, ev);
    ctx.now_ms += 1'000;
    return d;
  }

  void require_events(const order_command& cmd) {
    auto d = run(cmd);
    CAF_REQUIRE(!d.rejected());
    CAF_REQUIRE(!d.events.empty());
  }

  void create() { require_events(create_order{"u1", "p1", 3, "Seoul 1"}); }

  void place() {
    create();
    require_events(confirm_reservation{"Desk", 15'000});
  }

  void assign() {
    place();
    require_events(assign_delivery{"d_1"});
  }

  void deliver() {
    assign();
    require_events(mark_delivered{});
  }

  void reject() {
    create();
    require_events(reject_order{reject_reason::insufficient_stock});
  }

  void cancel() {
    create();
    require_events(cancel_order{});
  }

  // A command that must leave the order alone: no events, no rejection.
  void check_nothing(const order_command& cmd) {
    auto before = state.status;
    auto d = run(cmd);
    CAF_CHECK(!d.rejected());
    CAF_CHECK(d.events.empty());
    CAF_CHECK(state.status == before);
  }

  void check_rejected(const order_command& cmd, const std::string& code) {
    auto d = run(cmd);
    CAF_REQUIRE(d.rejected());
    CAF_CHECK_EQUAL(d.error->code, code);
    CAF_CHECK(d.events.empty());
  }
};

template<class Event> Event only_event(const decision<order_event>& d) {
  CAF_REQUIRE(!d.rejected());
  CAF_REQUIRE_EQUAL(d.events.size(), 1u);
  CAF_REQUIRE(std::holds_alternative<Event>(d.events.front()));
  return std::get<Event>(d.events.front());
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(order_tests, fixture)

// -- create -------------------------------------------------------------------

CAF_TEST(create opens a pending order under the entity id) {
  auto e =
      only_event<order_created>(run(create_order{"u1", "p1", 3, "Seoul 1"}));
  CAF_CHECK_EQUAL(e.id, "o_1");
  CAF_CHECK_EQUAL(e.user_id, "u1");
  CAF_CHECK_EQUAL(e.product_id, "p1");
  CAF_CHECK_EQUAL(e.qty, 3);
  CAF_CHECK_EQUAL(e.address, "Seoul 1");
  CAF_CHECK_EQUAL(e.at, 1'000);
  CAF_CHECK(state.exists);
  CAF_CHECK_EQUAL(state.id, "o_1");
  CAF_CHECK(state.status == order_status::pending);
  CAF_CHECK(state.reason == reject_reason::none);
  CAF_CHECK(!state.delivery_id);
  CAF_CHECK(!state.product_name);
  CAF_CHECK(!state.unit_price);
  CAF_CHECK(!state.total);
  CAF_CHECK_EQUAL(state.created_at_ms, 1'000);
  CAF_CHECK_EQUAL(state.updated_at_ms, 1'000);
  CAF_CHECK(!settled(state));
}

CAF_TEST(the same create again is an idempotent repeat) {
  create();
  check_nothing(create_order{"u1", "p1", 3, "Seoul 1"});
  require_events(confirm_reservation{"Desk", 15'000});
  // Still a repeat once the saga moved on: the first order is answered.
  check_nothing(create_order{"u1", "p1", 3, "Seoul 1"});
  CAF_CHECK(state.status == order_status::placed);
}

CAF_TEST(a different create on the same order reuses the idempotency key) {
  create();
  check_rejected(create_order{"u2", "p1", 3, "Seoul 1"},
                 "idempotency_key_reused");
  check_rejected(create_order{"u1", "p2", 3, "Seoul 1"},
                 "idempotency_key_reused");
  check_rejected(create_order{"u1", "p1", 4, "Seoul 1"},
                 "idempotency_key_reused");
  check_rejected(create_order{"u1", "p1", 3, "Busan 2"},
                 "idempotency_key_reused");
  CAF_CHECK_EQUAL(state.qty, 3);
}

CAF_TEST(every command but create on a missing order is not found) {
  for (order_command cmd :
       {order_command{confirm_reservation{"Desk", 1}},
        order_command{reject_order{reject_reason::timeout}},
        order_command{cancel_order{}}, order_command{assign_delivery{"d_1"}},
        order_command{mark_delivered{}}, order_command{get_order{}}})
    check_rejected(cmd, "not_found");
  CAF_CHECK(!state.exists);
}

// -- the saga's steps ---------------------------------------------------------

CAF_TEST(confirm reservation places a pending order at the reserved price) {
  create();
  auto e = only_event<order_placed>(run(confirm_reservation{"Desk", 15'000}));
  CAF_CHECK_EQUAL(e.product_name, "Desk");
  CAF_CHECK_EQUAL(e.unit_price, 15'000);
  CAF_CHECK_EQUAL(e.total, 45'000);
  CAF_CHECK_EQUAL(e.user_id, "u1");
  CAF_CHECK_EQUAL(e.address, "Seoul 1");
  CAF_CHECK_EQUAL(e.at, 2'000);
  CAF_CHECK(state.status == order_status::placed);
  CAF_CHECK_EQUAL(state.product_name.value_or(""), "Desk");
  CAF_CHECK_EQUAL(state.unit_price.value_or(-1), 15'000);
  CAF_CHECK_EQUAL(state.total.value_or(-1), 45'000);
  CAF_CHECK_EQUAL(state.updated_at_ms, 2'000);
  CAF_CHECK_EQUAL(state.created_at_ms, 1'000);
  CAF_CHECK(settled(state));
}

CAF_TEST(a repeated confirmation keeps the captured name and price) {
  place();
  check_nothing(confirm_reservation{"Renamed", 1});
  CAF_CHECK_EQUAL(state.product_name.value_or(""), "Desk");
  CAF_CHECK_EQUAL(state.unit_price.value_or(-1), 15'000);
}

CAF_TEST(the largest order total fits) {
  require_events(create_order{"u1", "p1", 1'000, "Seoul 1"});
  require_events(confirm_reservation{"Gold", 1'000'000'000});
  CAF_CHECK_EQUAL(state.total.value_or(-1), 1'000'000'000'000);
}

CAF_TEST(reject refuses a pending order with its reason) {
  create();
  auto e = only_event<order_rejected>(
      run(reject_order{reject_reason::insufficient_stock}));
  CAF_CHECK(e.reason == reject_reason::insufficient_stock);
  CAF_CHECK_EQUAL(e.product_id, "p1");
  CAF_CHECK(state.status == order_status::rejected);
  CAF_CHECK(state.reason == reject_reason::insufficient_stock);
  CAF_CHECK(settled(state));
}

CAF_TEST(a timed out order is rejected for timeout) {
  create();
  only_event<order_rejected>(run(reject_order{reject_reason::timeout}));
  CAF_CHECK(state.reason == reject_reason::timeout);
}

CAF_TEST(reject changes nothing once the order left pending) {
  reject();
  check_nothing(reject_order{reject_reason::timeout});
  CAF_CHECK(state.reason == reject_reason::insufficient_stock);
  fixture placed;
  placed.place();
  placed.check_nothing(reject_order{reject_reason::timeout});
  CAF_CHECK(placed.state.reason == reject_reason::none);
}

CAF_TEST(a reservation landing after a reject places nothing) {
  reject();
  check_nothing(confirm_reservation{"Desk", 15'000});
  CAF_CHECK(state.status == order_status::rejected);
  CAF_CHECK(!state.total);
}

CAF_TEST(a reservation landing after a cancel places nothing) {
  cancel();
  check_nothing(confirm_reservation{"Desk", 15'000});
  CAF_CHECK(state.status == order_status::cancelled);
  CAF_CHECK(!state.product_name);
}

CAF_TEST(assign delivery records the delivery of a placed order once) {
  place();
  auto e = only_event<delivery_assigned>(run(assign_delivery{"d_1"}));
  CAF_CHECK_EQUAL(e.delivery_id, "d_1");
  CAF_CHECK_EQUAL(state.delivery_id.value_or(""), "d_1");
  CAF_CHECK(state.status == order_status::placed);
  check_nothing(assign_delivery{"d_1"});
  check_nothing(assign_delivery{"d_other"});
  CAF_CHECK_EQUAL(state.delivery_id.value_or(""), "d_1");
}

CAF_TEST(assign delivery changes nothing unless the order is placed) {
  create();
  check_nothing(assign_delivery{"d_1"});
  CAF_CHECK(!state.delivery_id);
  fixture cancelled;
  cancelled.place();
  cancelled.require_events(cancel_order{});
  cancelled.check_nothing(assign_delivery{"d_1"});
  CAF_CHECK(!cancelled.state.delivery_id);
}

CAF_TEST(mark delivered completes a placed order once) {
  assign();
  auto e = only_event<order_delivered>(run(mark_delivered{}));
  CAF_CHECK_EQUAL(e.at, ctx.now_ms - 1'000);
  CAF_CHECK(state.status == order_status::delivered);
  check_nothing(mark_delivered{});
}

CAF_TEST(mark delivered changes nothing unless the order is placed) {
  create();
  check_nothing(mark_delivered{});
  fixture cancelled;
  cancelled.cancel();
  cancelled.check_nothing(mark_delivered{});
  fixture rejected;
  rejected.reject();
  rejected.check_nothing(mark_delivered{});
}

// -- cancel -------------------------------------------------------------------

CAF_TEST(a pending order may be cancelled) {
  create();
  auto e = only_event<order_cancelled>(run(cancel_order{}));
  CAF_CHECK_EQUAL(e.product_id, "p1");
  CAF_CHECK(state.status == order_status::cancelled);
  CAF_CHECK(settled(state));
}

CAF_TEST(a placed order may be cancelled and keeps its delivery) {
  assign();
  only_event<order_cancelled>(run(cancel_order{}));
  CAF_CHECK(state.status == order_status::cancelled);
  CAF_CHECK_EQUAL(state.delivery_id.value_or(""), "d_1");
  CAF_CHECK_EQUAL(state.total.value_or(-1), 45'000);
}

CAF_TEST(cancelling a cancelled order is a no op) {
  cancel();
  check_nothing(cancel_order{});
  CAF_CHECK(state.status == order_status::cancelled);
}

CAF_TEST(delivered and rejected orders are not cancellable) {
  deliver();
  check_rejected(cancel_order{}, "not_cancellable");
  CAF_CHECK(state.status == order_status::delivered);
  fixture rejected;
  rejected.reject();
  rejected.check_rejected(cancel_order{}, "not_cancellable");
  CAF_CHECK(rejected.state.status == order_status::rejected);
}

CAF_TEST(get records nothing in any status) {
  create();
  check_nothing(get_order{});
  require_events(confirm_reservation{"Desk", 15'000});
  check_nothing(get_order{});
}

CAF_TEST(only a pending order is unsettled) {
  CAF_CHECK(!settled(order{}));
  create();
  CAF_CHECK(!settled(state));
  for (auto status : {order_status::placed, order_status::rejected,
                      order_status::cancelled, order_status::delivered}) {
    auto s = state;
    s.status = status;
    CAF_CHECK(settled(s));
  }
}

CAF_TEST(every event moves updated at) {
  deliver();
  CAF_CHECK_EQUAL(state.created_at_ms, 1'000);
  CAF_CHECK_EQUAL(state.updated_at_ms, 4'000);
}

CAF_TEST_FIXTURE_SCOPE_END()
