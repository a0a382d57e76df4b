#define CAF_SUITE net.deliveries_api
#include "tests/support/caf_test.hpp"

#include "net/deliveries_api.hpp"

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
    add_delivery_routes(router, services, views, settings);
    shop.add_product(mug, 15000, 5);
  }

  /// Places an order of `qty` mugs; returns the order.
  json order(const std::string& auth, int qty = 1) {
    auto res = call(verb::post, "/orders", auth,
                    json{{"product_id", mug}, {"qty", qty}}.dump());
    CAF_REQUIRE_EQUAL(res.status, 201);
    return res.body;
  }

  std::string delivery_of(const std::string& auth) {
    return order(auth)["delivery_id"].get<std::string>();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(deliveries_api_tests, fixture)

// -- GET /deliveries/{id} -----------------------------------------------------

CAF_TEST(the owner and admins read a delivery and others get 404) {
  auto placed = order(alice);
  auto id = placed["delivery_id"].get<std::string>();
  auto res = call(verb::get, "/deliveries/" + id, alice);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["id"], id);
  CAF_CHECK_EQUAL(res.body["order_id"], placed["id"]);
  CAF_CHECK_EQUAL(res.body["status"], "started");
  CAF_CHECK_EQUAL(res.body["address"], "1 Alice Road");
  CAF_CHECK_EQUAL(call(verb::get, "/deliveries/" + id, admin).status, 200);
  auto other = call(verb::get, "/deliveries/" + id, bob);
  CAF_CHECK_EQUAL(other.status, 404);
  CAF_CHECK_EQUAL(other.error_code(), "not_found");
  CAF_CHECK_EQUAL(call(verb::get, "/deliveries/" + id).status, 401);
}

CAF_TEST(unknown and malformed delivery ids are 404) {
  CAF_CHECK_EQUAL(
      call(verb::get, "/deliveries/d_00000000000000ff", admin).status, 404);
  CAF_CHECK_EQUAL(call(verb::get, "/deliveries/nope", admin).status, 404);
  CAF_CHECK_EQUAL(
      call(verb::get, "/deliveries/o_00000000000000ff", admin).status, 404);
}

// -- GET /deliveries?order_id= ------------------------------------------------

CAF_TEST(the deliveries of an order are its one delivery for owner and admin) {
  auto placed = order(alice);
  auto target = "/deliveries?order_id=" + placed["id"].get<std::string>();
  for (auto& who : {alice, admin}) {
    auto res = call(verb::get, target, who);
    CAF_CHECK_EQUAL(res.status, 200);
    CAF_REQUIRE_EQUAL(res.body["items"].size(), 1u);
    CAF_CHECK_EQUAL(res.body["items"][0]["id"], placed["delivery_id"]);
    CAF_CHECK(res.body["next_cursor"].is_null());
  }
}

CAF_TEST(an order of another customer or without delivery lists nothing) {
  auto placed = order(alice);
  auto res =
      call(verb::get, "/deliveries?order_id=" + placed["id"].get<std::string>(),
           bob);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["items"], json::array());
  auto rejected = order(alice, 6);
  res =
      call(verb::get,
           "/deliveries?order_id=" + rejected["id"].get<std::string>(), alice);
  CAF_CHECK_EQUAL(res.body["items"], json::array());
  for (auto id : {"o_00000000000000ff", "garbage"}) {
    res = call(verb::get, std::string{"/deliveries?order_id="} + id, alice);
    CAF_CHECK_EQUAL(res.status, 200);
    CAF_CHECK_EQUAL(res.body["items"], json::array());
  }
}

// -- GET /deliveries ----------------------------------------------------------

CAF_TEST(a customer lists only their deliveries and an admin all) {
  auto first = delivery_of(alice);
  order(alice, 6); // rejected: no delivery
  delivery_of(bob);
  auto second = delivery_of(alice);
  auto res = call(verb::get, "/deliveries", alice);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_REQUIRE_EQUAL(res.body["items"].size(), 2u);
  CAF_CHECK_EQUAL(res.body["items"][0]["id"], second);
  CAF_CHECK_EQUAL(res.body["items"][1]["id"], first);
  auto item = res.body["items"][0];
  CAF_CHECK_EQUAL(item["user_id"], "u_alice");
  CAF_CHECK_EQUAL(item["status"], "started");
  CAF_CHECK(item["created_at"].is_string());
  CAF_CHECK(item["updated_at"].is_string());
  CAF_CHECK_EQUAL(call(verb::get, "/deliveries", admin).body["items"].size(),
                  3u);
}

CAF_TEST(a delivery page skips orders without delivery and keeps its cursor) {
  auto older = delivery_of(alice);
  order(alice, 6);
  order(alice, 6);
  auto newer = delivery_of(alice);
  auto page = call(verb::get, "/deliveries?limit=2", alice);
  CAF_REQUIRE_EQUAL(page.body["items"].size(), 2u);
  CAF_CHECK_EQUAL(page.body["items"][0]["id"], newer);
  CAF_CHECK_EQUAL(page.body["items"][1]["id"], older);
  CAF_CHECK(page.body["next_cursor"].is_null());
  page = call(verb::get, "/deliveries?limit=1", alice);
  CAF_REQUIRE_EQUAL(page.body["items"].size(), 1u);
  CAF_CHECK_EQUAL(page.body["items"][0]["id"], newer);
  CAF_REQUIRE(page.body["next_cursor"].is_string());
  auto rest = call(verb::get,
                   "/deliveries?limit=1&cursor=" +
                       page.body["next_cursor"].get<std::string>(),
                   alice);
  CAF_REQUIRE_EQUAL(rest.body["items"].size(), 1u);
  CAF_CHECK_EQUAL(rest.body["items"][0]["id"], older);
}

CAF_TEST(the delivery list validates its parameters and honours tokens) {
  CAF_CHECK_EQUAL(call(verb::get, "/deliveries?limit=0", alice).status, 400);
  CAF_CHECK_EQUAL(call(verb::get, "/deliveries?cursor=gone", alice).status,
                  400);
  auto res =
      call(verb::get, "/deliveries", alice, {}, {{"X-Consistency-Token", "1"}});
  CAF_CHECK_EQUAL(res.error_code(), "invalid_consistency_token");
  res = call(verb::get, "/deliveries", alice, {},
             {{"X-Consistency-Token", "999.0"}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.header("X-Consistency"), "stale");
  CAF_CHECK_EQUAL(views.calls.back().min_position, "999.0");
}

// -- POST /deliveries/{id}/complete -------------------------------------------

CAF_TEST(an admin completes a delivery and completing again is a no op) {
  auto placed = order(alice);
  auto id = placed["delivery_id"].get<std::string>();
  auto res = call(verb::post, "/deliveries/" + id + "/complete", admin);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["status"], "completed");
  CAF_CHECK(!res.header("X-Consistency-Token").empty());
  CAF_CHECK_EQUAL(
      call(verb::post, "/deliveries/" + id + "/complete", admin).status, 200);
  auto now =
      call(verb::get, "/orders/" + placed["id"].get<std::string>(), alice);
  CAF_CHECK_EQUAL(now.body["status"], "delivered");
}

CAF_TEST(only admins complete deliveries) {
  auto id = delivery_of(alice);
  auto res = call(verb::post, "/deliveries/" + id + "/complete", alice);
  CAF_CHECK_EQUAL(res.status, 403);
  CAF_CHECK_EQUAL(res.error_code(), "forbidden");
  CAF_CHECK_EQUAL(call(verb::post, "/deliveries/" + id + "/complete").status,
                  401);
}

CAF_TEST(completing a cancelled delivery is 409 and an unknown one 404) {
  auto placed = order(alice);
  CAF_REQUIRE_EQUAL(
      call(verb::post, "/orders/" + placed["id"].get<std::string>() + "/cancel",
           alice)
          .status,
      200);
  auto res = call(verb::post,
                  "/deliveries/" + placed["delivery_id"].get<std::string>() +
                      "/complete",
                  admin);
  CAF_CHECK_EQUAL(res.status, 409);
  CAF_CHECK_EQUAL(res.error_code(), "delivery_cancelled");
  CAF_CHECK_EQUAL(
      call(verb::post, "/deliveries/d_00000000000000ff/complete", admin).status,
      404);
  CAF_CHECK_EQUAL(call(verb::post, "/deliveries/x/complete", admin).status,
                  404);
}

CAF_TEST_FIXTURE_SCOPE_END()
