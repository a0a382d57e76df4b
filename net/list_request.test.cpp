#define CAF_SUITE net.list_request
#include "tests/support/caf_test.hpp"

#include "net/list_request.hpp"

using namespace mall;
using namespace mall::net;

namespace {

api_request with_query(std::map<std::string, std::string> query,
                       std::string token = {}) {
  api_request req;
  req.query = std::move(query);
  if (!token.empty())
    req.raw.set("X-Consistency-Token", token);
  return req;
}

std::string refusal(const api_request& req) {
  domains::rejection why;
  auto out = read_list_request(req, why);
  return out ? std::string{"accepted"} : why.code + ": " + why.message;
}

} // namespace

CAF_TEST(a list without parameters asks for the first 20 items) {
  domains::rejection why;
  auto out = read_list_request(with_query({}), why);
  CAF_REQUIRE(out);
  CAF_CHECK_EQUAL(out->limit, 20);
  CAF_CHECK_EQUAL(out->cursor, "");
  CAF_CHECK_EQUAL(out->min_position, "");
}

CAF_TEST(limit cursor and token are taken over when valid) {
  domains::rejection why;
  auto out = read_list_request(
      with_query({{"limit", "100"}, {"cursor", "abc:12=.x"}}, "12.3"), why);
  CAF_REQUIRE(out);
  CAF_CHECK_EQUAL(out->limit, 100);
  CAF_CHECK_EQUAL(out->cursor, "abc:12=.x");
  CAF_CHECK_EQUAL(out->min_position, "12.3");
}

CAF_TEST(a limit outside 1 to 100 or not a number is invalid input) {
  for (auto limit : {"0", "101", "-1", "1.5", "x", "", "0001"})
    CAF_CHECK_EQUAL(refusal(with_query({{"limit", limit}})),
                    "invalid_input: limit must be an integer from 1 to 100");
  CAF_CHECK_EQUAL(refusal(with_query({{"limit", "1"}})), "accepted");
}

CAF_TEST(a malformed cursor is invalid input) {
  CAF_CHECK_EQUAL(refusal(with_query({{"cursor", ""}})),
                  "invalid_input: cursor is malformed");
  CAF_CHECK_EQUAL(refusal(with_query({{"cursor", "a b"}})),
                  "invalid_input: cursor is malformed");
  CAF_CHECK_EQUAL(refusal(with_query({{"cursor", std::string(257, 'c')}})),
                  "invalid_input: cursor is malformed");
}

CAF_TEST(a malformed consistency token is refused) {
  CAF_CHECK_EQUAL(refusal(with_query({}, "nope")),
                  "invalid_consistency_token: X-Consistency-Token is "
                  "malformed");
}

CAF_TEST(a list answers the envelope and marks a stale view) {
  auto res =
      list_response(nlohmann::json::array({1, 2}), std::string{"c2"}, false);
  CAF_CHECK_EQUAL(res.body, R"({"items":[1,2],"next_cursor":"c2"})");
  CAF_CHECK(res.headers.empty());
  res = list_response(nlohmann::json::array(), std::nullopt, true);
  CAF_CHECK_EQUAL(res.body, R"({"items":[],"next_cursor":null})");
  CAF_REQUIRE_EQUAL(res.headers.size(), 1u);
  CAF_CHECK_EQUAL(res.headers[0].first, "X-Consistency");
  CAF_CHECK_EQUAL(res.headers[0].second, "stale");
}
