#define CAF_SUITE domains.orders.order_codec
#include "tests/support/caf_test.hpp"

#include "domains/common/aggregate.hpp"
#include "domains/orders/order_codec.hpp"

#include <string>
#include <vector>

using namespace mall::domains;
using namespace mall::domains::orders;
using nlohmann::json;

namespace {

// Parses a command; returns "ok" or "<code> <message>".
std::string outcome(const json& body) {
  rejection why;
  auto cmd = order_codec::parse_command(body, why);
  return cmd ? "ok" : why.code + " " + why.message;
}

order_command parse(const std::string& text) {
  rejection why;
  auto cmd = order_codec::parse_command(json::parse(text), why);
  CAF_REQUIRE(cmd.has_value());
  return *cmd;
}

json create_body() {
  return json{{"type", "create"},
              {"user_id", "u1"},
              {"product_id", "p1"},
              {"qty", 3},
              {"address", "Seoul 1"}};
}

json with(json body, const char* key, json value) {
  body[key] = std::move(value);
  return body;
}

// 2026-11-21T23:55:44.123Z
constexpr int64_t t0 = 1'795'305'344'123;

order placed_order() {
  order o;
  o.exists = true;
  o.id = "o_1";
  o.user_id = "u1";
  o.product_id = "p1";
  o.qty = 3;
  o.address = "Seoul 1";
  o.status = order_status::placed;
  o.delivery_id = "d_1";
  o.product_name = "Desk";
  o.unit_price = 15'000;
  o.total = 45'000;
  o.created_at_ms = t0;
  o.updated_at_ms = t0 + 1'000;
  return o;
}

bool throws(const json& j) {
  try {
    order_codec::decode_event(j);
    return false;
  } catch (const std::exception&) {
    return true;
  }
}

} // namespace

// -- commands -----------------------------------------------------------------

CAF_TEST(create reads the order with trimmed strings) {
  auto cmd = std::get<create_order>(
      parse(R"({"type": "create", "user_id": "u1", "product_id": " p1 ",
               "qty": 1000, "address": "  Seoul 1 "})"));
  CAF_CHECK_EQUAL(cmd.user_id, "u1");
  CAF_CHECK_EQUAL(cmd.product_id, "p1");
  CAF_CHECK_EQUAL(cmd.qty, 1000);
  CAF_CHECK_EQUAL(cmd.address, "Seoul 1");
}

CAF_TEST(create enforces the bounds of the api) {
  CAF_CHECK_EQUAL(outcome(create_body()), "ok");
  CAF_CHECK_EQUAL(outcome(with(create_body(), "qty", 0)),
                  "invalid_input qty: must be between 1 and 1000");
  CAF_CHECK_EQUAL(outcome(with(create_body(), "qty", 1.5)),
                  "invalid_input qty: must be an integer");
  CAF_CHECK_EQUAL(outcome(with(create_body(), "address", " ")),
                  "invalid_input address: must not be blank");
  CAF_CHECK_EQUAL(
      outcome(with(create_body(), "address", std::string(301, 'a'))),
      "invalid_input address: must be at most 300 characters");
  CAF_CHECK_EQUAL(
      outcome(with(create_body(), "product_id", std::string(65, 'p'))),
      "invalid_input product_id: must be at most 64 characters");
  auto no_user = create_body();
  no_user.erase("user_id");
  CAF_CHECK_EQUAL(outcome(no_user), "invalid_input user_id: is required");
  CAF_CHECK_EQUAL(outcome(with(create_body(), "status", "placed")),
                  "invalid_input status: unknown field");
}

CAF_TEST(the saga commands read what the saga sends) {
  auto confirm = std::get<confirm_reservation>(parse(
      R"({"type": "confirm_reservation", "product_name": "Desk",
          "unit_price": 0})"));
  CAF_CHECK_EQUAL(confirm.product_name, "Desk");
  CAF_CHECK_EQUAL(confirm.unit_price, 0);
  CAF_CHECK_EQUAL(outcome(json{{"type", "confirm_reservation"},
                               {"product_name", "Desk"},
                               {"unit_price", -1}}),
                  "invalid_input unit_price: must be between 0 and "
                  "1000000000");
  auto assign = std::get<assign_delivery>(
      parse(R"({"type": "assign_delivery", "delivery_id": "d_1"})"));
  CAF_CHECK_EQUAL(assign.delivery_id, "d_1");
  CAF_CHECK_EQUAL(outcome(json{{"type", "assign_delivery"}}),
                  "invalid_input delivery_id: is required");
  CAF_CHECK(std::holds_alternative<mark_delivered>(
      parse(R"({"type": "mark_delivered"})")));
}

CAF_TEST(reject takes insufficient stock or timeout only) {
  auto stock = std::get<reject_order>(
      parse(R"({"type": "reject", "reason": "insufficient_stock"})"));
  CAF_CHECK(stock.reason == reject_reason::insufficient_stock);
  auto timeout = std::get<reject_order>(
      parse(R"({"type": "reject", "reason": "timeout"})"));
  CAF_CHECK(timeout.reason == reject_reason::timeout);
  for (auto bad : {"none", "bored", "TIMEOUT"})
    CAF_CHECK_EQUAL(outcome(json{{"type", "reject"}, {"reason", bad}}),
                    "invalid_input reason: must be insufficient_stock or "
                    "timeout");
  CAF_CHECK_EQUAL(outcome(json{{"type", "reject"}}),
                  "invalid_input reason: is required");
}

CAF_TEST(cancel get and mark delivered take no fields) {
  CAF_CHECK(
      std::holds_alternative<cancel_order>(parse(R"({"type": "cancel"})")));
  CAF_CHECK(std::holds_alternative<get_order>(parse(R"({"type": "get"})")));
  CAF_CHECK_EQUAL(outcome(json{{"type", "cancel"}, {"reason", "x"}}),
                  "invalid_input reason: unknown field");
  CAF_CHECK_EQUAL(outcome(json{{"type", "get"}, {"id", "o_1"}}),
                  "invalid_input id: unknown field");
}

CAF_TEST(unknown commands and bodies that are not objects are refused) {
  CAF_CHECK_EQUAL(outcome(json{{"type", "ship"}}),
                  "invalid_input type: unknown command");
  CAF_CHECK_EQUAL(outcome(json::array()),
                  "invalid_json body: must be a JSON object");
  CAF_CHECK_EQUAL(outcome(json::object()), "invalid_input type: is required");
}

// -- replies ------------------------------------------------------------------

CAF_TEST(the reply is the api order with times in rfc 3339) {
  auto reply = order_codec::encode_reply(placed_order(), get_order{});
  CAF_CHECK_EQUAL(reply, json::parse(R"({
    "id": "o_1", "user_id": "u1", "product_id": "p1", "product_name": "Desk",
    "qty": 3, "unit_price": 15000, "total": 45000, "address": "Seoul 1",
    "status": "placed", "reason": null, "delivery_id": "d_1",
    "created_at": "2026-11-21T23:55:44.123Z",
    "updated_at": "2026-11-21T23:55:45.123Z"})"));
}

CAF_TEST(unknown values of a pending order are null but present) {
  auto o = placed_order();
  o.status = order_status::pending;
  o.delivery_id.reset();
  o.product_name.reset();
  o.unit_price.reset();
  o.total.reset();
  auto reply = order_codec::encode_reply(o, cancel_order{});
  for (auto key :
       {"product_name", "unit_price", "total", "reason", "delivery_id"}) {
    CAF_CHECK(reply.contains(key));
    CAF_CHECK(reply[key].is_null());
  }
  CAF_CHECK_EQUAL(reply["status"], "pending");
}

CAF_TEST(a rejected order names its reason) {
  auto o = placed_order();
  o.status = order_status::rejected;
  o.reason = reject_reason::timeout;
  CAF_CHECK_EQUAL(order_codec::encode_order(o).value("reason", ""), "timeout");
}

// -- events and state ---------------------------------------------------------

CAF_TEST(every event survives a round trip through json) {
  std::vector<order_event> events{
      order_created{"o_1", "u1", "p1", 3, "Seoul 1", t0},
      order_placed{"Desk", 15'000, 45'000, "u1", "Seoul 1", t0 + 1},
      order_rejected{reject_reason::insufficient_stock, "p1", t0 + 2},
      order_rejected{reject_reason::timeout, "p1", t0 + 3},
      order_cancelled{"p1", t0 + 4},
      delivery_assigned{"d_1", t0 + 5},
      order_delivered{t0 + 6},
  };
  for (const auto& ev : events) {
    auto encoded = order_codec::encode_event(ev);
    auto decoded = order_codec::decode_event(json::parse(encoded.dump()));
    CAF_CHECK_EQUAL(decoded.index(), ev.index());
    CAF_CHECK_EQUAL(order_codec::encode_event(decoded), encoded);
  }
}

CAF_TEST(events are encoded with the names the saga and the view read) {
  CAF_CHECK_EQUAL(order_codec::encode_event(
                      order_created{"o_1", "u1", "p1", 3, "Seoul 1", 7}),
                  json::parse(R"({"type": "OrderCreated", "id": "o_1",
                    "user_id": "u1", "product_id": "p1", "qty": 3,
                    "address": "Seoul 1", "at": 7})"));
  CAF_CHECK_EQUAL(order_codec::encode_event(
                      order_placed{"Desk", 5, 15, "u1", "Seoul 1", 8}),
                  json::parse(R"({"type": "OrderPlaced",
                    "product_name": "Desk", "unit_price": 5, "total": 15,
                    "user_id": "u1", "address": "Seoul 1", "at": 8})"));
  CAF_CHECK_EQUAL(order_codec::encode_event(order_rejected{
                      reject_reason::insufficient_stock, "p1", 9}),
                  json::parse(R"({"type": "OrderRejected",
                    "reason": "insufficient_stock", "product_id": "p1",
                    "at": 9})"));
  std::vector<std::pair<order_event, std::string>> names{
      {order_cancelled{"p1", 1}, "OrderCancelled"},
      {delivery_assigned{"d_1", 1}, "DeliveryAssigned"},
      {order_delivered{1}, "OrderDelivered"},
  };
  for (const auto& [ev, name] : names)
    CAF_CHECK_EQUAL(event_type_of(order_codec::encode_event(ev)), name);
}

CAF_TEST(corrupt events throw when decoded) {
  CAF_CHECK(throws(json{{"type", "OrderShipped"}, {"at", 1}}));
  CAF_CHECK(throws(json{{"type", "OrderCancelled"}, {"at", 1}}));
  CAF_CHECK(throws(json{{"type", "OrderDelivered"}, {"at", "1"}}));
  CAF_CHECK(throws(json{{"type", "OrderRejected"},
                        {"reason", "none"},
                        {"product_id", "p1"},
                        {"at", 1}}));
  CAF_CHECK(throws(json{{"type", "OrderRejected"},
                        {"reason", "bored"},
                        {"product_id", "p1"},
                        {"at", 1}}));
  CAF_CHECK(throws(json::object()));
}

CAF_TEST(state survives a snapshot round trip) {
  for (auto o : {placed_order(), order{}}) {
    auto encoded = order_codec::encode_state(o);
    auto decoded = order_codec::decode_state(json::parse(encoded.dump()));
    CAF_CHECK_EQUAL(order_codec::encode_state(decoded), encoded);
    CAF_CHECK_EQUAL(decoded.exists, o.exists);
    CAF_CHECK_EQUAL(decoded.total.value_or(-1), o.total.value_or(-1));
    CAF_CHECK_EQUAL(decoded.delivery_id.value_or(""),
                    o.delivery_id.value_or(""));
    CAF_CHECK(decoded.status == o.status);
  }
  auto rejected = placed_order();
  rejected.status = order_status::rejected;
  rejected.reason = reject_reason::timeout;
  rejected.product_name.reset();
  rejected.unit_price.reset();
  rejected.total.reset();
  rejected.delivery_id.reset();
  auto decoded = order_codec::decode_state(
      json::parse(order_codec::encode_state(rejected).dump()));
  CAF_CHECK(decoded.reason == reject_reason::timeout);
  CAF_CHECK(!decoded.total);
  CAF_CHECK(!decoded.product_name);
}

CAF_TEST(corrupt snapshots throw when decoded) {
  auto encoded = order_codec::encode_state(placed_order());
  encoded["status"] = "lost";
  auto threw = false;
  try {
    order_codec::decode_state(encoded);
  } catch (const std::exception&) {
    threw = true;
  }
  CAF_CHECK(threw);
}

CAF_TEST(status and reason names read back) {
  for (auto status :
       {order_status::pending, order_status::placed, order_status::rejected,
        order_status::cancelled, order_status::delivered})
    CAF_CHECK(order_status_from(to_string(status)) == status);
  for (auto reason : {reject_reason::none, reject_reason::insufficient_stock,
                      reject_reason::timeout})
    CAF_CHECK(reject_reason_from(to_string(reason)) == reason);
}
