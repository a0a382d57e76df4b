#define CAF_SUITE domains.orders.order_saga
#include "tests/support/caf_test.hpp"

#include "domains/deliveries/delivery_aggregate.hpp"
#include "domains/orders/order_aggregate.hpp"
#include "domains/orders/order_saga.hpp"
#include "domains/products/product_aggregate.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace mall::domains;
using namespace mall::domains::orders;
using nlohmann::json;

namespace products = mall::domains::products;
namespace deliveries = mall::domains::deliveries;

namespace {

// Renders commands as "type/id body" lines, "+ new" appended to those
// expected to start their entity: one check shows every field.
std::vector<std::string> lines(const std::vector<saga_command>& cmds) {
  std::vector<std::string> out;
  for (const auto& c : cmds)
    out.push_back(c.type + "/" + c.id + " " + c.body.dump() +
                  (c.expect_new ? " + new" : ""));
  return out;
}

std::vector<std::string> on_order(const order_event& e) {
  return lines(react("order", "o_ab12", order_codec::encode_event(e)));
}

std::vector<std::string> on_product(const products::product_event& e) {
  return lines(
      react("product", "p1", products::product_codec::encode_event(e)));
}

std::vector<std::string> on_delivery(const deliveries::delivery_event& e) {
  return lines(
      react("delivery", "d_ab12", deliveries::delivery_codec::encode_event(e)));
}

using expected = std::vector<std::string>;

} // namespace

// -- orders -------------------------------------------------------------------

CAF_TEST(a created order reserves its stock) {
  CAF_CHECK_EQUAL(on_order(order_created{"o_ab12", "u1", "p1", 3, "Seoul", 1}),
                  expected{R"(product/p1 {"order_id":"o_ab12","qty":3,)"
                           R"("type":"reserve"})"});
}

CAF_TEST(a placed order starts its delivery under the derived id) {
  CAF_CHECK_EQUAL(
      on_order(order_placed{"Desk", 5, 15, "u1", "Seoul 1", 2}),
      expected{R"(delivery/d_ab12 {"address":"Seoul 1","order_id":"o_ab12",)"
               R"("type":"start","user_id":"u1"} + new)"});
}

CAF_TEST(a rejected order releases a reservation that may still land) {
  for (auto reason :
       {reject_reason::insufficient_stock, reject_reason::timeout})
    CAF_CHECK_EQUAL(on_order(order_rejected{reason, "p1", 3}),
                    expected{R"(product/p1 {"order_id":"o_ab12",)"
                             R"("type":"release"})"});
}

CAF_TEST(a cancelled order cancels its delivery then gives its stock back) {
  CAF_CHECK_EQUAL(
      on_order(order_cancelled{"p1", 4}),
      (expected{R"(delivery/d_ab12 {"order_id":"o_ab12","type":"cancel"})",
                R"(product/p1 {"order_id":"o_ab12","type":"release"})"}));
}

CAF_TEST(an assigned delivery and a delivered order cause nothing) {
  CAF_CHECK(on_order(delivery_assigned{"d_ab12", 5}).empty());
  CAF_CHECK(on_order(order_delivered{6}).empty());
}

// -- products -----------------------------------------------------------------

CAF_TEST(a reservation confirms the order with the captured name and price) {
  CAF_CHECK_EQUAL(
      on_product(products::stock_decreased{"o_9", 2, "Desk", 700}),
      expected{R"(order/o_9 {"product_name":"Desk",)"
               R"("type":"confirm_reservation","unit_price":700})"});
}

CAF_TEST(a failed reservation rejects the order for insufficient stock) {
  CAF_CHECK_EQUAL(
      on_product(products::stock_decrease_failed{"o_9", 5, 1}),
      expected{R"(order/o_9 {"reason":"insufficient_stock","type":"reject"})"});
}

CAF_TEST(other product events cause nothing) {
  CAF_CHECK(on_product(products::product_created{"p1", "Desk", 1, 1}).empty());
  CAF_CHECK(on_product(products::product_updated{"Desk", 2}).empty());
  CAF_CHECK(on_product(products::stock_increased{3, std::nullopt}).empty());
  CAF_CHECK(
      on_product(products::stock_increased{3, std::string{"o_9"}}).empty());
  CAF_CHECK(on_product(products::reservation_voided{"o_9"}).empty());
}

// -- deliveries ---------------------------------------------------------------

CAF_TEST(a started delivery is assigned to its order) {
  CAF_CHECK_EQUAL(
      on_delivery(deliveries::delivery_started{"o_ab12", "u1", "Seoul", 1}),
      expected{R"(order/o_ab12 {"delivery_id":"d_ab12",)"
               R"("type":"assign_delivery"})"});
}

CAF_TEST(a completed delivery marks its order delivered) {
  CAF_CHECK_EQUAL(on_delivery(deliveries::delivery_completed{"o_ab12", 2}),
                  expected{R"(order/o_ab12 {"type":"mark_delivered"})"});
}

CAF_TEST(cancelled and voided deliveries cause nothing) {
  CAF_CHECK(on_delivery(deliveries::delivery_cancelled{3}).empty());
  CAF_CHECK(on_delivery(deliveries::delivery_voided{"o_ab12", 3}).empty());
}

// -- the table as a whole -----------------------------------------------------

CAF_TEST(events of other entity types cause nothing) {
  CAF_CHECK(react("account", "u1",
                  json{{"type", "AccountRegistered"}, {"user_id", "u1"}})
                .empty());
}

CAF_TEST(every command the saga sends parses in its target codec) {
  std::vector<saga_command> all;
  auto add = [&](std::vector<saga_command> cmds) {
    all.insert(all.end(), cmds.begin(), cmds.end());
  };
  add(react("order", "o_1",
            order_codec::encode_event(
                order_created{"o_1", "u1", "p1", 3, "Seoul", 1})));
  add(react("order", "o_1",
            order_codec::encode_event(
                order_placed{"Desk", 5, 15, "u1", "Seoul", 2})));
  add(react("order", "o_1",
            order_codec::encode_event(
                order_rejected{reject_reason::insufficient_stock, "p1", 3})));
  add(react("order", "o_1",
            order_codec::encode_event(order_cancelled{"p1", 4})));
  add(react("product", "p1",
            products::product_codec::encode_event(
                products::stock_decreased{"o_1", 3, "Desk", 5})));
  add(react("product", "p1",
            products::product_codec::encode_event(
                products::stock_decrease_failed{"o_1", 3, 0})));
  add(react("delivery", "d_1",
            deliveries::delivery_codec::encode_event(
                deliveries::delivery_started{"o_1", "u1", "Seoul", 5})));
  add(react("delivery", "d_1",
            deliveries::delivery_codec::encode_event(
                deliveries::delivery_completed{"o_1", 6})));
  CAF_REQUIRE_EQUAL(all.size(), 9u);
  for (const auto& cmd : all) {
    rejection why;
    bool parsed = false;
    if (cmd.type == "order")
      parsed = order_codec::parse_command(cmd.body, why).has_value();
    else if (cmd.type == "product")
      parsed =
          products::product_codec::parse_command(cmd.body, why).has_value();
    else if (cmd.type == "delivery")
      parsed =
          deliveries::delivery_codec::parse_command(cmd.body, why).has_value();
    CAF_CHECK(parsed);
    if (!parsed)
      CAF_MESSAGE(cmd.type << " " << cmd.body.dump() << ": " << why.message);
  }
}

CAF_TEST(corrupt events of the saga entities throw) {
  auto throws = [](const std::string& type, const json& event) {
    try {
      react(type, "x", event);
      return false;
    } catch (const std::exception&) {
      return true;
    }
  };
  CAF_CHECK(throws("order", json{{"type", "OrderCreated"}}));
  CAF_CHECK(throws("product", json{{"type", "StockDecreased"}}));
  CAF_CHECK(throws("delivery", json{{"type", "DeliveryLost"}, {"at", 1}}));
}

// -- the saga over the three aggregates ---------------------------------------

namespace {

/// The three aggregates and one journal in memory; `pump` plays the saga
/// policy: every event from its cursor on goes through `react` and the
/// commands through parse, decide and apply.
struct shop {
  struct record {
    std::string type;
    std::string id;
    json event;
  };

  std::map<std::string, order> orders;
  std::map<std::string, products::product> stock;
  std::map<std::string, deliveries::delivery> shipments;
  std::vector<record> journal;
  std::size_t cursor = 0;
  int64_t now = 1'000;
  /// Saga commands an aggregate refused: none should be, idempotent
  /// commands answer repeats and late arrivals with nothing.
  std::vector<std::string> refused;

  template<class Aggregate>
  std::optional<rejection>
  run(std::map<std::string, typename Aggregate::state>& states,
      const std::string& id, const json& body) {
    rejection why;
    auto cmd = Aggregate::parse_command(body, why);
    if (!cmd)
      return why;
    auto& s = states[id];
    auto d = Aggregate::decide(s, *cmd, command_context{id, now++});
    if (d.rejected())
      return d.error;
    for (const auto& ev : d.events) {
      journal.push_back(
          {Aggregate::type_name, id, Aggregate::encode_event(ev)});
      s = Aggregate::apply(std::move(s), ev);
    }
    return std::nullopt;
  }

  std::optional<rejection> send(const saga_command& c) {
    if (c.type == "order")
      return run<order_aggregate>(orders, c.id, c.body);
    if (c.type == "product")
      return run<products::product_aggregate>(stock, c.id, c.body);
    return run<deliveries::delivery_aggregate>(shipments, c.id, c.body);
  }

  void react_to(const record& rec) {
    for (const auto& c : react(rec.type, rec.id, rec.event))
      if (auto error = send(c))
        refused.push_back(c.body.dump() + " " + error->code);
  }

  // Reacts to every event not seen yet, including those the reactions add.
  void pump() {
    while (cursor < journal.size()) {
      auto rec = journal[cursor++];
      react_to(rec);
    }
  }

  // Redelivers the whole journal, as a saga whose offset was rewound.
  void redeliver_all() {
    cursor = 0;
    pump();
  }

  void add_product(int64_t qty) {
    CAF_REQUIRE(!send({"product", "p1",
                       json{{"type", "create"},
                            {"name", "Desk"},
                            {"price", 700},
                            {"stock", qty}}}));
  }

  void add_order(int64_t qty) {
    CAF_REQUIRE(!send({"order", "o_1",
                       json{{"type", "create"},
                            {"user_id", "u1"},
                            {"product_id", "p1"},
                            {"qty", qty},
                            {"address", "Seoul 1"}}}));
  }

  order_status status() { return orders["o_1"].status; }
  int64_t units() { return stock["p1"].stock; }
  deliveries::delivery_status shipment() { return shipments["d_1"].status; }

  // Redelivering everything must neither add events nor change any state.
  void check_redelivery_changes_nothing() {
    auto events = journal.size();
    auto before_order = order_codec::encode_state(orders["o_1"]);
    auto before_stock = units();
    redeliver_all();
    CAF_CHECK_EQUAL(journal.size(), events);
    CAF_CHECK_EQUAL(order_codec::encode_state(orders["o_1"]), before_order);
    CAF_CHECK_EQUAL(units(), before_stock);
    CAF_CHECK_EQUAL(refused, std::vector<std::string>{});
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(saga_runs, shop)

CAF_TEST(an order in stock is placed delivered and paid once) {
  add_product(5);
  add_order(2);
  pump();
  CAF_CHECK(status() == order_status::placed);
  CAF_CHECK_EQUAL(units(), 3);
  CAF_CHECK(shipment() == deliveries::delivery_status::started);
  CAF_CHECK_EQUAL(orders["o_1"].delivery_id.value_or(""), "d_1");
  CAF_CHECK_EQUAL(orders["o_1"].total.value_or(-1), 1'400);
  check_redelivery_changes_nothing();
  CAF_REQUIRE(!send({"delivery", "d_1", json{{"type", "complete"}}}));
  pump();
  CAF_CHECK(status() == order_status::delivered);
  check_redelivery_changes_nothing();
  CAF_CHECK_EQUAL(units(), 3);
}

CAF_TEST(an order beyond the stock is rejected and takes nothing) {
  add_product(1);
  add_order(2);
  pump();
  CAF_CHECK(status() == order_status::rejected);
  CAF_CHECK(orders["o_1"].reason == reject_reason::insufficient_stock);
  CAF_CHECK_EQUAL(units(), 1);
  CAF_CHECK(shipment() == deliveries::delivery_status::none);
  check_redelivery_changes_nothing();
}

CAF_TEST(a reservation landing after a timeout is given back) {
  add_product(5);
  add_order(2);
  // The sweeper rejects before the saga got to the order.
  CAF_REQUIRE(
      !send({"order", "o_1", json{{"type", "reject"}, {"reason", "timeout"}}}));
  pump();
  CAF_CHECK(status() == order_status::rejected);
  CAF_CHECK(orders["o_1"].reason == reject_reason::timeout);
  CAF_CHECK(!orders["o_1"].total);
  CAF_CHECK_EQUAL(units(), 5);
  CAF_CHECK(shipment() == deliveries::delivery_status::none);
  check_redelivery_changes_nothing();
  CAF_CHECK_EQUAL(units(), 5);
}

CAF_TEST(a cancel overtaking the reservation keeps stock and voids delivery) {
  add_product(5);
  add_order(2);
  CAF_REQUIRE(!send({"order", "o_1", json{{"type", "cancel"}}}));
  // The cancel's reactions run before the created order's.
  auto cancelled = journal.back();
  react_to(cancelled);
  cursor = 0;
  pump();
  CAF_CHECK(status() == order_status::cancelled);
  CAF_CHECK_EQUAL(units(), 5);
  CAF_CHECK(shipment() == deliveries::delivery_status::voided);
  CAF_CHECK(send({"delivery", "d_1",
                  json{{"type", "start"},
                       {"order_id", "o_1"},
                       {"user_id", "u1"},
                       {"address", "Seoul 1"}}}) == std::nullopt);
  CAF_CHECK(shipment() == deliveries::delivery_status::voided);
  check_redelivery_changes_nothing();
}

CAF_TEST(a placed order cancelled cancels its delivery and returns its stock) {
  add_product(5);
  add_order(2);
  pump();
  CAF_REQUIRE(!send({"order", "o_1", json{{"type", "cancel"}}}));
  pump();
  CAF_CHECK(status() == order_status::cancelled);
  CAF_CHECK_EQUAL(units(), 5);
  CAF_CHECK(shipment() == deliveries::delivery_status::cancelled);
  CAF_CHECK_EQUAL(orders["o_1"].delivery_id.value_or(""), "d_1");
  auto complete = send({"delivery", "d_1", json{{"type", "complete"}}});
  CAF_REQUIRE(complete);
  CAF_CHECK_EQUAL(complete->code, "delivery_cancelled");
  check_redelivery_changes_nothing();
  CAF_CHECK_EQUAL(units(), 5);
}

CAF_TEST_FIXTURE_SCOPE_END()
