#define CAF_SUITE domains.products.product
#include "tests/support/caf_test.hpp"

#include "domains/products/product.hpp"

#include <random>

using namespace mall::domains;
using namespace mall::domains::products;

namespace {

struct fixture {
  product state;
  command_context ctx{"p1", 1'000};

  // Decides and applies, as the entity actor does once events are durable.
  decision<product_event> run(const product_command& cmd) {
    auto d = decide(state, cmd, ctx);
    for (const auto& ev : d.events)
      state = apply(state, ev);
    return d;
  }

  void create(int64_t stock) {
    auto d = run(create_product{"Desk", 15'000, stock});
    CAF_REQUIRE(!d.rejected());
  }

  reservation_status status_of(const std::string& order_id) {
    auto* r = find_reservation(state, order_id);
    CAF_REQUIRE(r != nullptr);
    return r->status;
  }
};

template<class Event> Event only_event(const decision<product_event>& d) {
  CAF_REQUIRE_EQUAL(d.events.size(), 1u);
  CAF_REQUIRE(std::holds_alternative<Event>(d.events.front()));
  return std::get<Event>(d.events.front());
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(product_tests, fixture)

CAF_TEST(create makes the product exist under the entity id) {
  auto d = run(create_product{"Desk", 15'000, 3});
  const auto& e = only_event<product_created>(d);
  CAF_CHECK_EQUAL(e.id, "p1");
  CAF_CHECK(state.exists);
  CAF_CHECK_EQUAL(state.id, "p1");
  CAF_CHECK_EQUAL(state.name, "Desk");
  CAF_CHECK_EQUAL(state.price, 15'000);
  CAF_CHECK_EQUAL(state.stock, 3);
}

CAF_TEST(create on an existing product is rejected as already existing) {
  create(3);
  auto d = run(create_product{"Chair", 1, 1});
  CAF_REQUIRE(d.rejected());
  CAF_CHECK_EQUAL(d.error->code, "already_exists");
  CAF_CHECK_EQUAL(state.name, "Desk");
}

CAF_TEST(every command but create on a missing product is not found) {
  for (product_command cmd :
       {product_command{update_product{"x", 1}},
        product_command{restock_product{1}}, product_command{get_product{}},
        product_command{reserve_stock{"o1", 1}},
        product_command{release_stock{"o1"}}}) {
    auto d = run(cmd);
    CAF_REQUIRE(d.rejected());
    CAF_CHECK_EQUAL(d.error->code, "not_found");
    CAF_CHECK(d.events.empty());
  }
  CAF_CHECK(!state.exists);
}

CAF_TEST(update changes only the given fields) {
  create(3);
  auto d = run(update_product{std::nullopt, 20'000});
  const auto& e = only_event<product_updated>(d);
  CAF_CHECK_EQUAL(e.name, "Desk");
  CAF_CHECK_EQUAL(e.price, 20'000);
  run(update_product{"Table", std::nullopt});
  CAF_CHECK_EQUAL(state.name, "Table");
  CAF_CHECK_EQUAL(state.price, 20'000);
  CAF_CHECK_EQUAL(state.stock, 3);
}

CAF_TEST(an update that changes nothing records nothing) {
  create(3);
  auto d = run(update_product{"Desk", 15'000});
  CAF_CHECK(!d.rejected());
  CAF_CHECK(d.events.empty());
}

CAF_TEST(restock increases the stock without an order id) {
  create(3);
  const auto& e = only_event<stock_increased>(run(restock_product{5}));
  CAF_CHECK_EQUAL(e.qty, 5);
  CAF_CHECK(!e.order_id);
  CAF_CHECK_EQUAL(state.stock, 8);
}

CAF_TEST(get records nothing) {
  create(3);
  auto d = run(get_product{});
  CAF_CHECK(!d.rejected());
  CAF_CHECK(d.events.empty());
}

CAF_TEST(reserve takes stock and captures name and price) {
  create(3);
  const auto& e = only_event<stock_decreased>(run(reserve_stock{"o1", 2}));
  CAF_CHECK_EQUAL(e.order_id, "o1");
  CAF_CHECK_EQUAL(e.qty, 2);
  CAF_CHECK_EQUAL(e.name, "Desk");
  CAF_CHECK_EQUAL(e.price, 15'000);
  CAF_CHECK_EQUAL(state.stock, 1);
  CAF_CHECK(status_of("o1") == reservation_status::reserved);
}

CAF_TEST(reserve may take the whole stock) {
  create(2);
  only_event<stock_decreased>(run(reserve_stock{"o1", 2}));
  CAF_CHECK_EQUAL(state.stock, 0);
}

CAF_TEST(reserve beyond the stock fails and leaves the stock alone) {
  create(2);
  const auto& e =
      only_event<stock_decrease_failed>(run(reserve_stock{"o1", 3}));
  CAF_CHECK_EQUAL(e.order_id, "o1");
  CAF_CHECK_EQUAL(e.qty, 3);
  CAF_CHECK_EQUAL(e.available, 2);
  CAF_CHECK_EQUAL(state.stock, 2);
  CAF_CHECK(status_of("o1") == reservation_status::failed);
}

CAF_TEST(a repeated reserve for the same order records nothing) {
  create(5);
  run(reserve_stock{"o1", 2});
  auto again = run(reserve_stock{"o1", 2});
  CAF_CHECK(!again.rejected());
  CAF_CHECK(again.events.empty());
  CAF_CHECK_EQUAL(state.stock, 3);
}

CAF_TEST(a failed order stays failed even once stock arrives) {
  create(1);
  run(reserve_stock{"o1", 2});
  run(restock_product{10});
  auto again = run(reserve_stock{"o1", 2});
  CAF_CHECK(again.events.empty());
  CAF_CHECK(status_of("o1") == reservation_status::failed);
  CAF_CHECK_EQUAL(state.stock, 11);
}

CAF_TEST(release gives a reservation back exactly once) {
  create(5);
  run(reserve_stock{"o1", 2});
  const auto& e = only_event<stock_increased>(run(release_stock{"o1"}));
  CAF_CHECK_EQUAL(e.qty, 2);
  CAF_CHECK_EQUAL(e.order_id.value_or(""), "o1");
  CAF_CHECK_EQUAL(state.stock, 5);
  CAF_CHECK(status_of("o1") == reservation_status::released);
  auto again = run(release_stock{"o1"});
  CAF_CHECK(again.events.empty());
  CAF_CHECK_EQUAL(state.stock, 5);
}

CAF_TEST(reserve after release never reserves again) {
  create(5);
  run(reserve_stock{"o1", 2});
  run(release_stock{"o1"});
  auto again = run(reserve_stock{"o1", 2});
  CAF_CHECK(again.events.empty());
  CAF_CHECK_EQUAL(state.stock, 5);
}

CAF_TEST(release of a failed reservation gives nothing back) {
  create(1);
  run(reserve_stock{"o1", 2});
  auto d = run(release_stock{"o1"});
  CAF_CHECK(d.events.empty());
  CAF_CHECK_EQUAL(state.stock, 1);
  CAF_CHECK(status_of("o1") == reservation_status::failed);
}

CAF_TEST(a release before its reservation refuses the late reservation) {
  create(5);
  const auto& e = only_event<reservation_voided>(run(release_stock{"o1"}));
  CAF_CHECK_EQUAL(e.order_id, "o1");
  CAF_CHECK_EQUAL(state.stock, 5);
  auto late = run(reserve_stock{"o1", 2});
  CAF_CHECK(late.events.empty());
  CAF_CHECK_EQUAL(state.stock, 5);
  CAF_CHECK(status_of("o1") == reservation_status::released);
  CAF_CHECK(run(release_stock{"o1"}).events.empty());
}

CAF_TEST(orders reserve independently of each other) {
  create(5);
  run(reserve_stock{"o1", 2});
  run(reserve_stock{"o2", 3});
  only_event<stock_decrease_failed>(run(reserve_stock{"o3", 1}));
  run(release_stock{"o1"});
  CAF_CHECK_EQUAL(state.stock, 2);
  CAF_CHECK(status_of("o2") == reservation_status::reserved);
}

CAF_TEST(random command sequences never drive the stock below zero) {
  // A fixed seed keeps the test reproducible; the invariant is checked after
  // every command together with the stock's bookkeeping.
  std::mt19937 rng{20261121};
  std::uniform_int_distribution<int> pick{0, 4};
  std::uniform_int_distribution<int> order{0, 30};
  std::uniform_int_distribution<int64_t> qty{1, 8};
  create(10);
  int64_t restocked = 0;
  for (int i = 0; i < 5'000; ++i) {
    auto order_id = "o" + std::to_string(order(rng));
    product_command cmd;
    switch (pick(rng)) {
    case 0:
      cmd = restock_product{qty(rng)};
      break;
    case 1:
      cmd = update_product{std::nullopt, qty(rng)};
      break;
    case 2:
    case 3:
      cmd = reserve_stock{order_id, qty(rng)};
      break;
    default:
      cmd = release_stock{order_id};
    }
    auto before = state;
    auto d = run(cmd);
    CAF_REQUIRE(!d.rejected());
    CAF_REQUIRE(state.stock >= 0);
    if (auto* r = std::get_if<restock_product>(&cmd))
      restocked += r->qty;
    // Stock = initial + restocks - what is reserved and not given back.
    int64_t held = 0;
    for (const auto& [id, r] : state.reservations)
      if (r.status == reservation_status::reserved)
        held += r.qty;
    CAF_REQUIRE_EQUAL(state.stock, 10 + restocked - held);
    // An order's outcome, once decided, only ever moves on to released.
    for (const auto& [id, r] : before.reservations) {
      auto now = find_reservation(state, id)->status;
      CAF_REQUIRE(now == r.status || now == reservation_status::released);
    }
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
