#define CAF_SUITE domains.common.json_fields
#include "tests/support/caf_test.hpp"

#include "domains/common/json_fields.hpp"

#include <string>

using namespace mall::domains;
using nlohmann::json;

namespace {

constexpr text_bounds name_bounds{1, 5};
constexpr integer_bounds qty_bounds{1, 1000};

// Reads {"name"} as a required text field and returns the rejection message,
// or "ok:<value>".
std::string read_name(const json& body) {
  auto in = json_fields::of_command(body, {"name"});
  auto name = in.text("name", name_bounds);
  return in.ok() ? "ok:" + name : in.error()->message;
}

std::string read_qty(const json& body) {
  auto in = json_fields::of_command(body, {"qty"});
  auto qty = in.integer("qty", qty_bounds);
  return in.ok() ? "ok:" + std::to_string(qty) : in.error()->message;
}

} // namespace

CAF_TEST(a body that is not an object is invalid json) {
  for (auto body : {json::array(), json(nullptr), json(3), json("x")}) {
    auto in = json_fields::of_command(body, {"name"});
    CAF_REQUIRE(!in.ok());
    CAF_CHECK_EQUAL(in.error()->code, "invalid_json");
    CAF_CHECK_EQUAL(in.text("name", name_bounds), "");
  }
}

CAF_TEST(unknown fields are rejected and the command tag is allowed) {
  auto body = json{{"name", "a"}, {"stock", 1}};
  auto in = json_fields::of_command(body, {"name"});
  CAF_REQUIRE(!in.ok());
  CAF_CHECK_EQUAL(in.error()->code, "invalid_input");
  CAF_CHECK_EQUAL(in.error()->message, "stock: unknown field");
  auto tagged = json{{"type", "x"}, {"name", "a"}};
  CAF_CHECK(json_fields::of_command(tagged, {"name"}).ok());
}

CAF_TEST(a request body may not carry the command tag) {
  auto body = json{{"type", "create"}};
  auto in = json_fields::of_request(body, {"name"});
  CAF_REQUIRE(!in.ok());
  CAF_CHECK_EQUAL(in.error()->message, "type: unknown field");
}

CAF_TEST(text is trimmed and bounded in unicode characters) {
  CAF_CHECK_EQUAL(read_name(json{{"name", "  abc  "}}), "ok:abc");
  // Five Hangul syllables are 15 bytes but 5 characters.
  auto hangul = std::string{"\xed\x95\x9c\xea\xb8\x80\xed\x95\x9c\xea\xb8\x80"
                            "\xed\x95\x9c"};
  CAF_CHECK_EQUAL(read_name(json{{"name", hangul}}), "ok:" + hangul);
  CAF_CHECK_EQUAL(read_name(json{{"name", hangul + "x"}}),
                  "name: must be at most 5 characters");
  CAF_CHECK_EQUAL(read_name(json{{"name", "   abcde   "}}), "ok:abcde");
}

CAF_TEST(text that is missing blank or not a string is rejected) {
  CAF_CHECK_EQUAL(read_name(json::object()), "name: is required");
  CAF_CHECK_EQUAL(read_name(json{{"name", ""}}), "name: must not be blank");
  CAF_CHECK_EQUAL(read_name(json{{"name", " \t\n\xe3\x80\x80"}}),
                  "name: must not be blank");
  CAF_CHECK_EQUAL(read_name(json{{"name", nullptr}}), "name: must be a string");
  CAF_CHECK_EQUAL(read_name(json{{"name", 5}}), "name: must be a string");
  CAF_CHECK_EQUAL(read_name(json{{"name", json::array({"a"})}}),
                  "name: must be a string");
}

CAF_TEST(text with invalid utf8 or nul characters is rejected) {
  CAF_CHECK_EQUAL(read_name(json{{"name", "a\xff"}}),
                  "name: must be valid UTF-8");
  CAF_CHECK_EQUAL(read_name(json{{"name", std::string("a\0b", 3)}}),
                  "name: must not contain NUL characters");
}

CAF_TEST(the lower length bound counts the trimmed text) {
  auto body = json{{"p", "  ab  "}};
  auto in = json_fields::of_command(body, {"p"});
  in.text("p", {3, 10});
  CAF_REQUIRE(!in.ok());
  CAF_CHECK_EQUAL(in.error()->message, "p: must be at least 3 characters");
}

CAF_TEST(untrimmed text keeps its spaces but is still never blank) {
  auto body = json{{"p", " secret "}};
  auto in = json_fields::of_command(body, {"p"});
  CAF_CHECK_EQUAL(in.untrimmed_text("p", {1, 10}), " secret ");
  CAF_CHECK(in.ok());
  auto spaces = json{{"p", "        "}};
  auto blank = json_fields::of_command(spaces, {"p"});
  blank.untrimmed_text("p", {1, 10});
  CAF_CHECK_EQUAL(blank.error()->message, "p: must not be blank");
}

CAF_TEST(integers are accepted within their bounds) {
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": 1})")), "ok:1");
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": 1000})")), "ok:1000");
  auto body = json::parse(R"({"n": -5})");
  auto in = json_fields::of_command(body, {"n"});
  CAF_CHECK_EQUAL(in.integer("n", {-10, 10}), -5);
  CAF_CHECK(in.ok());
}

CAF_TEST(integers out of bounds are rejected) {
  auto range = std::string{"qty: must be between 1 and 1000"};
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": 0})")), range);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": -1})")), range);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": 1001})")), range);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": 18446744073709551615})")),
                  range);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": -9223372036854775808})")),
                  range);
}

CAF_TEST(anything but a json integer is not an integer) {
  auto nan = std::string{"qty: must be an integer"};
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": 1.5})")), nan);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": 3.0})")), nan);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": 1e2})")), nan);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": 99999999999999999999})")),
                  nan);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": "3"})")), nan);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": true})")), nan);
  CAF_CHECK_EQUAL(read_qty(json::parse(R"({"qty": null})")), nan);
  CAF_CHECK_EQUAL(read_qty(json::object()), "qty: is required");
}

CAF_TEST(optional fields are absent or valid but never null) {
  auto empty = json::object();
  auto in = json_fields::of_command(empty, {"name", "price"});
  CAF_CHECK(!in.optional_text("name", name_bounds));
  CAF_CHECK(!in.optional_integer("price", qty_bounds));
  CAF_CHECK(in.ok());
  auto both = json{{"name", " x "}, {"price", 7}};
  auto given = json_fields::of_command(both, {"name", "price"});
  CAF_CHECK_EQUAL(given.optional_text("name", name_bounds).value_or(""), "x");
  CAF_CHECK_EQUAL(given.optional_integer("price", qty_bounds).value_or(-1), 7);
  auto nulled = json{{"price", nullptr}};
  auto null = json_fields::of_command(nulled, {"price"});
  null.optional_integer("price", qty_bounds);
  CAF_CHECK_EQUAL(null.error()->message, "price: must be an integer");
}

CAF_TEST(the first failure is kept and reported by result) {
  auto body = json{{"a", 1}, {"b", 2.5}};
  auto in = json_fields::of_command(body, {"a", "b"});
  in.text("a", name_bounds);
  in.integer("b", qty_bounds);
  in.fail("c", "other");
  rejection why;
  CAF_CHECK(!in.result(1, why));
  CAF_CHECK_EQUAL(why.code, "invalid_input");
  CAF_CHECK_EQUAL(why.message, "a: must be a string");
  auto text = json{{"a", "x"}};
  auto fine = json_fields::of_command(text, {"a"});
  CAF_CHECK_EQUAL(fine.result(fine.text("a", name_bounds), why).value_or(""),
                  "x");
}

CAF_TEST(a command names its type in a string tag) {
  rejection why;
  auto tagged = json{{"type", "get"}};
  CAF_CHECK_EQUAL(command_type(tagged, why).value_or(""), "get");
  CAF_CHECK(!command_type(json::object(), why));
  CAF_CHECK_EQUAL(why.message, "type: is required");
  CAF_CHECK(!command_type(json{{"type", 1}}, why));
  CAF_CHECK_EQUAL(why.message, "type: must be a string");
  CAF_CHECK(!command_type(json::array(), why));
  CAF_CHECK_EQUAL(why.code, "invalid_json");
}
