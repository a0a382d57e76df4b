#define CAF_SUITE domains.orders.place_order
#include "tests/support/caf_test.hpp"

#include "domains/orders/place_order.hpp"

#include <string>

using namespace mall::domains;
using namespace mall::domains::orders;
using nlohmann::json;

namespace {

json valid_body() {
  return json{{"product_id", "p1"}, {"qty", 2}, {"address", "Seoul 1"}};
}

std::string outcome(const json& body) {
  rejection why;
  auto req = parse_place_order(body, why);
  return req ? "ok" : why.code + " " + why.message;
}

json with(const char* key, json value) {
  auto body = valid_body();
  body[key] = std::move(value);
  return body;
}

json without(const char* key) {
  auto body = valid_body();
  body.erase(key);
  return body;
}

} // namespace

CAF_TEST(a valid order request is read with trimmed strings) {
  rejection why;
  auto req = parse_place_order(
      json{{"product_id", " p1 "}, {"qty", 1000}, {"address", " Seoul 1  "}},
      why);
  CAF_REQUIRE(req.has_value());
  CAF_CHECK_EQUAL(req->product_id, "p1");
  CAF_CHECK_EQUAL(req->qty, 1000);
  CAF_CHECK_EQUAL(req->address.value_or(""), "Seoul 1");
}

CAF_TEST(the address is optional) {
  rejection why;
  auto req = parse_place_order(without("address"), why);
  CAF_REQUIRE(req.has_value());
  CAF_CHECK(!req->address);
}

CAF_TEST(qty is an integer between one and a thousand) {
  CAF_CHECK_EQUAL(outcome(with("qty", 1)), "ok");
  CAF_CHECK_EQUAL(outcome(with("qty", 1000)), "ok");
  auto range = std::string{"invalid_input qty: must be between 1 and 1000"};
  CAF_CHECK_EQUAL(outcome(with("qty", 0)), range);
  CAF_CHECK_EQUAL(outcome(with("qty", 1001)), range);
  CAF_CHECK_EQUAL(outcome(with("qty", -1)), range);
  CAF_CHECK_EQUAL(outcome(json::parse(
                      R"({"product_id": "p1", "qty": 18446744073709551615})")),
                  range);
  CAF_CHECK_EQUAL(outcome(json::parse(
                      R"({"product_id": "p1", "qty": -9223372036854775808})")),
                  range);
  auto integer = std::string{"invalid_input qty: must be an integer"};
  CAF_CHECK_EQUAL(outcome(with("qty", 1.5)), integer);
  CAF_CHECK_EQUAL(outcome(json::parse(R"({"product_id": "p1", "qty": 3.0})")),
                  integer);
  CAF_CHECK_EQUAL(outcome(json::parse(R"({"product_id": "p1", "qty": 1e300})")),
                  integer);
  CAF_CHECK_EQUAL(outcome(with("qty", "3")), integer);
  CAF_CHECK_EQUAL(outcome(with("qty", true)), integer);
  CAF_CHECK_EQUAL(outcome(with("qty", nullptr)), integer);
  CAF_CHECK_EQUAL(outcome(without("qty")), "invalid_input qty: is required");
}

CAF_TEST(product id is a non blank string of at most 64 characters) {
  CAF_CHECK_EQUAL(outcome(without("product_id")),
                  "invalid_input product_id: is required");
  CAF_CHECK_EQUAL(outcome(with("product_id", "  ")),
                  "invalid_input product_id: must not be blank");
  CAF_CHECK_EQUAL(outcome(with("product_id", 7)),
                  "invalid_input product_id: must be a string");
  CAF_CHECK_EQUAL(outcome(with("product_id", nullptr)),
                  "invalid_input product_id: must be a string");
  CAF_CHECK_EQUAL(outcome(with("product_id", std::string(64, 'p'))), "ok");
  CAF_CHECK_EQUAL(outcome(with("product_id", std::string(65, 'p'))),
                  "invalid_input product_id: must be at most 64 characters");
}

CAF_TEST(a given address is 1 to 300 characters and not blank) {
  CAF_CHECK_EQUAL(outcome(with("address", "")),
                  "invalid_input address: must not be blank");
  CAF_CHECK_EQUAL(outcome(with("address", " \t ")),
                  "invalid_input address: must not be blank");
  CAF_CHECK_EQUAL(outcome(with("address", nullptr)),
                  "invalid_input address: must be a string");
  CAF_CHECK_EQUAL(outcome(with("address", std::string(300, 'a'))), "ok");
  CAF_CHECK_EQUAL(outcome(with("address", std::string(301, 'a'))),
                  "invalid_input address: must be at most 300 characters");
  auto hangul = std::string{"\xed\x95\x9c"}; // one character, three bytes
  std::string long_hangul;
  for (int i = 0; i < 300; ++i)
    long_hangul += hangul;
  CAF_CHECK_EQUAL(outcome(with("address", long_hangul)), "ok");
}

CAF_TEST(unknown fields and the user id are refused) {
  CAF_CHECK_EQUAL(outcome(with("user_id", "u2")),
                  "invalid_input user_id: unknown field");
  CAF_CHECK_EQUAL(outcome(with("coupon", "FREE")),
                  "invalid_input coupon: unknown field");
}

CAF_TEST(a body that is not an object is invalid json) {
  for (auto body : {json::array(), json("order"), json(nullptr), json(3)})
    CAF_CHECK_EQUAL(outcome(body), "invalid_json body: must be a JSON object");
}
