#define CAF_SUITE domains.common.json_object
#include "tests/support/caf_test.hpp"

#include "domains/common/json_object.hpp"

#include <string>

using namespace mall::domains;
using nlohmann::json;

CAF_TEST(an empty builder is an empty object not null) {
  json built = json_object{};
  CAF_CHECK(built.is_object());
  CAF_CHECK(built.empty());
}

CAF_TEST(members keep their kinds as in the brace form) {
  std::string name = "Mug";
  const std::string address = "Seoul";
  json built = json_object{}
                   .with("type", "ProductCreated")
                   .with("name", name)
                   .with("address", address)
                   .with("qty", int64_t{3})
                   .with("unsigned", 7u)
                   .with("flag", false)
                   .with("none", nullptr)
                   .with("list", json::array({1, 2}))
                   .with("nested", json_object{}.with("id", "p1"));
  json expected{{"type", "ProductCreated"}, {"name", "Mug"},
                {"address", "Seoul"},       {"qty", 3},
                {"unsigned", 7u},           {"flag", false},
                {"none", nullptr},          {"list", {1, 2}},
                {"nested", {{"id", "p1"}}}};
  CAF_CHECK_EQUAL(built, expected);
  CAF_CHECK(built.at("qty").is_number_integer());
  CAF_CHECK(built.at("unsigned").is_number_unsigned());
  CAF_CHECK(built.at("nested").is_object());
  // Lvalues are copied, not moved from.
  CAF_CHECK_EQUAL(name, "Mug");
}

CAF_TEST(a key added twice keeps its first value as the brace form does) {
  json built = json_object{}.with("qty", 1).with("qty", 2);
  json braced{{"qty", 1}, {"qty", 2}};
  CAF_CHECK_EQUAL(built, braced);
  CAF_CHECK_EQUAL(built.at("qty"), 1);
}

CAF_TEST(a named builder takes members one statement at a time) {
  json_object order;
  order.with("id", "o1");
  bool with_reason = true;
  if (with_reason)
    order.with("reason", "timeout");
  json built = std::move(order);
  CAF_CHECK_EQUAL(built, (json{{"id", "o1"}, {"reason", "timeout"}}));
}
