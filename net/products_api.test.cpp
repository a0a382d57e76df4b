#define CAF_SUITE net.products_api
#include "tests/support/caf_test.hpp"

#include "tests/support/live_http_server.hpp"

CAF_TEST_FIXTURE_SCOPE(products_api_tests, fixture)

CAF_TEST(an admin creates reads updates and restocks a product) {
  auto res =
      send(request("POST", "/products",
                   R"({"name":"Mug","price":15000,"stock":3})", {admin_auth}));
  CAF_REQUIRE_EQUAL(res.status, 201);
  auto id = res.body.value("id", "");
  CAF_CHECK(is_random_id(id, "p_"));
  CAF_CHECK_EQUAL(res.body["stock"], 3);
  CAF_CHECK(!res.header("X-Consistency-Token").empty());
  res = send(request("GET", "/products/" + id));
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["name"], "Mug");
  res = send(
      request("PATCH", "/products/" + id, R"({"price":9000})", {admin_auth}));
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["price"], 9000);
  CAF_CHECK(!res.header("X-Consistency-Token").empty());
  res = send(request("POST", "/products/" + id + "/restock", R"({"qty":2})",
                     {admin_auth}));
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["stock"], 5);
  res =
      send(request("PATCH", "/products/" + id, R"({"stock":9})", {admin_auth}));
  CAF_CHECK_EQUAL(res.status, 400);
  res = send(request("PATCH", "/products/" + id, "{}", {admin_auth}));
  CAF_CHECK_EQUAL(res.status, 400);
}

CAF_TEST(unknown and malformed product ids are 404) {
  auto res = send(request("GET", "/products/p_0123456789abcdef"));
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(res.error_code(), "not_found");
  auto asked = entities.command_count();
  res = send(request("GET", "/products/not-an-id"));
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(entities.command_count(), asked);
  res = send(
      request("POST", "/products/x/restock", R"({"qty":2})", {admin_auth}));
  CAF_CHECK_EQUAL(res.status, 404);
}

CAF_TEST(an entity that does not answer is 503 with retry after) {
  entities.unavailable = true;
  auto res = send(request("GET", "/products/p_0123456789abcdef"));
  CAF_CHECK_EQUAL(res.status, 503);
  CAF_CHECK_EQUAL(res.error_code(), "unavailable");
  CAF_CHECK_EQUAL(res.header("Retry-After"), "1");
}

CAF_TEST(the product list validates limit cursor and consistency token) {
  create_product();
  create_product();
  auto res = send(request("GET", "/products?limit=1"));
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["items"].size(), 1u);
  CAF_CHECK_EQUAL(res.body["next_cursor"], "c1");
  res = send(request("GET", "/products"));
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(catalog.last_query.limit, 20);
  CAF_CHECK_EQUAL(res.body["items"].size(), 2u);
  CAF_CHECK(res.body["next_cursor"].is_null());
  for (auto bad : {"limit=0", "limit=101", "limit=abc", "limit=1.5",
                   "limit=", "cursor=", "cursor=a%20b", "cursor=gone"}) {
    res = send(request("GET", std::string{"/products?"} + bad));
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
  }
  res = send(request("GET", "/products", {}, {"X-Consistency-Token: nope"}));
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(res.error_code(), "invalid_consistency_token");
  res = send(request("GET", "/products", {}, {"X-Consistency-Token: 12.3"}));
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(catalog.last_query.min_position, "12.3");
  CAF_CHECK_EQUAL(res.header("X-Consistency"), "stale");
}

CAF_TEST_FIXTURE_SCOPE_END()
