#define CAF_SUITE net.mypage_api
#include "tests/support/caf_test.hpp"

#include "net/mypage_api.hpp"

#include "net/orders_api.hpp"
#include "tests/support/api_harness.hpp"

using namespace mall;
using namespace mall::net;
using boost::beast::http::verb;
using nlohmann::json;

namespace {

constexpr const char* mug = "p_00000000000000aa";

struct fixture : testing::api_harness {
  fixture() {
    add_order_routes(router, services, views, settings);
    add_mypage_routes(router, services, views);
    shop.add_product(mug, 15000, 5);
  }

  testing::handler_answer order(const std::string& auth, int qty) {
    return call(verb::post, "/orders", auth,
                json{{"product_id", mug}, {"qty", qty}}.dump());
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(mypage_api_tests, fixture)

CAF_TEST(the my page of a customer lists their orders and what they spent) {
  order(alice, 2);
  order(alice, 9); // rejected: counted, not spent
  order(bob, 1);
  auto res = call(verb::get, "/mypage", alice);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["user_id"], "u_alice");
  CAF_CHECK_EQUAL(res.body["order_count"], 2);
  CAF_CHECK_EQUAL(res.body["total_spent"], 30000);
  CAF_REQUIRE_EQUAL(res.body["orders"].size(), 2u);
  CAF_CHECK_EQUAL(res.body["orders"][0]["order_status"], "rejected");
  CAF_CHECK_EQUAL(res.body["orders"][1]["order_status"], "placed");
  CAF_CHECK_EQUAL(res.body["orders"][1]["delivery_status"], "started");
  CAF_CHECK_EQUAL(res.header("X-Consistency"), "");
}

CAF_TEST(admins get 403 on my page and anonymous callers 401) {
  auto res = call(verb::get, "/mypage", admin);
  CAF_CHECK_EQUAL(res.status, 403);
  CAF_CHECK_EQUAL(res.error_code(), "forbidden");
  CAF_CHECK_EQUAL(call(verb::get, "/mypage").status, 401);
  CAF_CHECK(views.calls.empty());
}

CAF_TEST(my page waits for the consistency token of the client) {
  auto token = order(alice, 1).header("X-Consistency-Token");
  CAF_REQUIRE(!token.empty());
  auto res =
      call(verb::get, "/mypage", alice, {}, {{"X-Consistency-Token", token}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(views.calls.back().min_position, token);
  CAF_CHECK_EQUAL(res.body["order_count"], 1);
  res =
      call(verb::get, "/mypage", alice, {}, {{"X-Consistency-Token", "999.0"}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.header("X-Consistency"), "stale");
}

CAF_TEST(a malformed consistency token on my page is 400) {
  for (auto token : {"", "1", "a.b", "1.2.3"}) {
    auto res =
        call(verb::get, "/mypage", alice, {}, {{"X-Consistency-Token", token}});
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_consistency_token");
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
