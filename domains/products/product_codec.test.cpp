#define CAF_SUITE domains.products.product_codec
#include "tests/support/caf_test.hpp"

#include "domains/common/aggregate.hpp"
#include "domains/products/product_codec.hpp"

#include <string>

using namespace mall::domains;
using namespace mall::domains::products;
using nlohmann::json;

namespace {

// Parses a command from JSON text; returns "ok" or "<code> <message>".
std::string outcome(const std::string& text) {
  rejection why;
  auto cmd = product_codec::parse_command(json::parse(text), why);
  return cmd ? "ok" : why.code + " " + why.message;
}

product_command parse(const std::string& text) {
  rejection why;
  auto cmd = product_codec::parse_command(json::parse(text), why);
  CAF_REQUIRE(cmd.has_value());
  return *cmd;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += s;
  return out;
}

product sample_product() {
  product p;
  p.exists = true;
  p.id = "p1";
  p.name = "Desk";
  p.price = 15'000;
  p.stock = 4;
  p.reservations["o1"] = {reservation_status::reserved, 2, "Old desk", 9'000};
  p.reservations["o2"] = {reservation_status::failed, 9, "", 0};
  p.reservations["o3"] = {reservation_status::released, 0, "", 0};
  return p;
}

} // namespace

CAF_TEST(create reads a trimmed name a price and a stock) {
  auto cmd = std::get<create_product>(
      parse(R"({"type": "create", "name": "  Desk ", "price": 0,
              "stock": 1000000000})"));
  CAF_CHECK_EQUAL(cmd.name, "Desk");
  CAF_CHECK_EQUAL(cmd.price, 0);
  CAF_CHECK_EQUAL(cmd.stock, 1'000'000'000);
}

CAF_TEST(create enforces the bounds of the api) {
  CAF_CHECK_EQUAL(outcome(R"({"type": "create", "price": 1, "stock": 1})"),
                  "invalid_input name: is required");
  CAF_CHECK_EQUAL(
      outcome(R"({"type": "create", "name": " ", "price": 1, "stock": 1})"),
      "invalid_input name: must not be blank");
  CAF_CHECK_EQUAL(
      outcome(R"({"type": "create", "name": "a", "price": -1, "stock": 1})"),
      "invalid_input price: must be between 0 and 1000000000");
  CAF_CHECK_EQUAL(outcome(R"({"type": "create", "name": "a",
                              "price": 1000000001, "stock": 1})"),
                  "invalid_input price: must be between 0 and 1000000000");
  CAF_CHECK_EQUAL(
      outcome(R"({"type": "create", "name": "a", "price": 1.5, "stock": 1})"),
      "invalid_input price: must be an integer");
  CAF_CHECK_EQUAL(
      outcome(R"({"type": "create", "name": "a", "price": 1, "stock": "3"})"),
      "invalid_input stock: must be an integer");
  CAF_CHECK_EQUAL(
      outcome(R"({"type": "create", "name": "a", "price": 1, "stock": -1})"),
      "invalid_input stock: must be between 0 and 1000000000");
  CAF_CHECK_EQUAL(outcome(R"({"type": "create", "name": "a", "price": 1,
                              "stock": 1, "color": "red"})"),
                  "invalid_input color: unknown field");
}

CAF_TEST(product names are bounded in characters not bytes) {
  auto hangul = std::string{"\xed\x95\x9c"}; // three bytes, one character
  auto body = [](const std::string& name) {
    return json{{"type", "create"}, {"name", name}, {"price", 1}, {"stock", 1}}
        .dump();
  };
  CAF_CHECK_EQUAL(outcome(body(repeat(hangul, 200))), "ok");
  CAF_CHECK_EQUAL(outcome(body(repeat(hangul, 201))),
                  "invalid_input name: must be at most 200 characters");
  CAF_CHECK_EQUAL(outcome(body(repeat("a", 200))), "ok");
}

CAF_TEST(update takes a name or a price but not nothing and not stock) {
  auto both = std::get<update_product>(
      parse(R"({"type": "update", "name": "x", "price": 5})"));
  CAF_CHECK_EQUAL(both.name.value_or(""), "x");
  CAF_CHECK_EQUAL(both.price.value_or(-1), 5);
  auto price_only =
      std::get<update_product>(parse(R"({"type": "update", "price": 5})"));
  CAF_CHECK(!price_only.name);
  CAF_CHECK_EQUAL(outcome(R"({"type": "update"})"),
                  "invalid_input body: needs name or price");
  CAF_CHECK_EQUAL(outcome(R"({"type": "update", "stock": 5})"),
                  "invalid_input stock: unknown field");
  CAF_CHECK_EQUAL(outcome(R"({"type": "update", "name": null})"),
                  "invalid_input name: must be a string");
}

CAF_TEST(restock and reserve quantities are between one and a thousand) {
  auto restock =
      std::get<restock_product>(parse(R"({"type": "restock", "qty": 1000})"));
  CAF_CHECK_EQUAL(restock.qty, 1000);
  for (auto bad : {"0", "1001", "-3"})
    CAF_CHECK_EQUAL(
        outcome(std::string{R"({"type": "restock", "qty": )"} + bad + "}"),
        "invalid_input qty: must be between 1 and 1000");
  CAF_CHECK_EQUAL(outcome(R"({"type": "restock", "qty": 3.0})"),
                  "invalid_input qty: must be an integer");
  CAF_CHECK_EQUAL(
      outcome(R"({"type": "reserve", "order_id": "o1", "qty": 1001})"),
      "invalid_input qty: must be between 1 and 1000");
  auto r = std::get<reserve_stock>(
      parse(R"({"type": "reserve", "order_id": "o1", "qty": 2})"));
  CAF_CHECK_EQUAL(r.order_id, "o1");
  CAF_CHECK_EQUAL(r.qty, 2);
}

CAF_TEST(get and release take only what they need) {
  CAF_CHECK(std::holds_alternative<get_product>(parse(R"({"type": "get"})")));
  CAF_CHECK_EQUAL(outcome(R"({"type": "get", "id": "p1"})"),
                  "invalid_input id: unknown field");
  auto release = std::get<release_stock>(
      parse(R"({"type": "release", "order_id": "o1"})"));
  CAF_CHECK_EQUAL(release.order_id, "o1");
  CAF_CHECK_EQUAL(outcome(R"({"type": "release"})"),
                  "invalid_input order_id: is required");
}

CAF_TEST(a command needs a known type and an object) {
  CAF_CHECK_EQUAL(outcome(R"({"name": "x"})"),
                  "invalid_input type: is required");
  CAF_CHECK_EQUAL(outcome(R"({"type": "destroy"})"),
                  "invalid_input type: unknown command");
  CAF_CHECK_EQUAL(outcome("[]"), "invalid_json body: must be a JSON object");
}

CAF_TEST(every event survives a round trip through json) {
  std::vector<product_event> events{
      product_created{"p1", "Desk", 15'000, 3},
      product_updated{"Table", 20'000},
      stock_increased{4, std::nullopt},
      stock_increased{2, std::string{"o1"}},
      stock_decreased{"o1", 2, "Desk", 15'000},
      stock_decrease_failed{"o2", 9, 1},
      reservation_voided{"o3"},
  };
  for (const auto& ev : events) {
    auto encoded = product_codec::encode_event(ev);
    auto decoded = product_codec::decode_event(json::parse(encoded.dump()));
    CAF_CHECK_EQUAL(decoded.index(), ev.index());
    CAF_CHECK_EQUAL(product_codec::encode_event(decoded), encoded);
  }
}

CAF_TEST(events are encoded with the names the saga reads) {
  auto e = product_codec::encode_event(stock_decreased{"o1", 2, "Desk", 5});
  CAF_CHECK_EQUAL(e, json::parse(R"({"type": "StockDecreased",
    "order_id": "o1", "qty": 2, "name": "Desk", "price": 5})"));
  auto restock = product_codec::encode_event(stock_increased{4, std::nullopt});
  CAF_CHECK_EQUAL(restock,
                  json::parse(R"({"type": "StockIncreased", "qty": 4})"));
  CAF_CHECK_EQUAL(event_type_of(product_codec::encode_event(
                      stock_decrease_failed{"o1", 2, 1})),
                  "StockDecreaseFailed");
}

CAF_TEST(corrupt events throw when decoded) {
  auto throws = [](const json& j) {
    try {
      product_codec::decode_event(j);
      return false;
    } catch (const std::exception&) {
      return true;
    }
  };
  CAF_CHECK(throws(json{{"type", "ProductDeleted"}}));
  CAF_CHECK(throws(json{{"type", "StockDecreased"}, {"qty", 2}}));
  CAF_CHECK(throws(json{{"type", "StockIncreased"}, {"qty", "2"}}));
  CAF_CHECK(throws(json::object()));
}

CAF_TEST(state survives a snapshot round trip) {
  auto p = sample_product();
  auto encoded = product_codec::encode_state(p);
  auto decoded = product_codec::decode_state(json::parse(encoded.dump()));
  CAF_CHECK_EQUAL(product_codec::encode_state(decoded), encoded);
  CAF_CHECK_EQUAL(decoded.stock, 4);
  CAF_REQUIRE_EQUAL(decoded.reservations.size(), 3u);
  CAF_CHECK(decoded.reservations["o2"].status == reservation_status::failed);
  CAF_CHECK_EQUAL(decoded.reservations["o1"].name, "Old desk");
  auto empty = product_codec::decode_state(product_codec::encode_state({}));
  CAF_CHECK(!empty.exists);
}

CAF_TEST(the reply is the product view) {
  auto view = product_codec::encode_reply(sample_product(), get_product{});
  CAF_CHECK_EQUAL(view, json::parse(R"({"id": "p1", "name": "Desk",
                                        "price": 15000, "stock": 4})"));
}

CAF_TEST(a reserve reply states the outcome with the captured name and price) {
  auto p = sample_product();
  auto reserved = product_codec::encode_reply(p, reserve_stock{"o1", 2});
  CAF_CHECK_EQUAL(reserved["reservation"], "reserved");
  CAF_CHECK_EQUAL(reserved["qty"], 2);
  CAF_CHECK_EQUAL(reserved["name"], "Old desk");
  CAF_CHECK_EQUAL(reserved["price"], 9'000);
  CAF_CHECK_EQUAL(reserved["stock"], 4);
  auto failed = product_codec::encode_reply(p, reserve_stock{"o2", 9});
  CAF_CHECK_EQUAL(failed["reservation"], "failed");
  CAF_CHECK_EQUAL(failed["name"], "Desk");
  auto released = product_codec::encode_reply(p, release_stock{"o3"});
  CAF_CHECK_EQUAL(released["reservation"], "released");
}
