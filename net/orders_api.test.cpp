#define CAF_SUITE net.orders_api
#include "tests/support/caf_test.hpp"

#include "net/orders_api.hpp"

#include "net/deliveries_api.hpp"
#include "net/order_ids.hpp"
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

  testing::handler_answer
  place(const std::string& auth, const std::string& body,
        std::vector<std::pair<std::string, std::string>> headers = {}) {
    return call(verb::post, "/orders", auth, body, std::move(headers));
  }

  testing::handler_answer place_mug(const std::string& auth, int qty = 1,
                                    const std::string& key = {}) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!key.empty())
      headers.emplace_back("Idempotency-Key", key);
    return place(auth, json{{"product_id", mug}, {"qty", qty}}.dump(),
                 std::move(headers));
  }

  size_t asks_of(const std::string& type) {
    size_t n = 0;
    for (auto& cmd : shop.asks())
      n += cmd.type == type;
    return n;
  }

  /// The order creates asked so far.
  std::vector<actors::entity_command> creates() {
    std::vector<actors::entity_command> found;
    for (auto& cmd : shop.asks())
      if (cmd.type == "order" &&
          json::parse(cmd.body).value("type", "") == "create")
        found.push_back(cmd);
    return found;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(orders_api_tests, fixture)

// -- POST /orders -------------------------------------------------------------

CAF_TEST(a customer order the saga places at once is 201 and placed) {
  auto res = place_mug(alice, 2);
  CAF_CHECK_EQUAL(res.status, 201);
  CAF_CHECK_EQUAL(res.body["status"], "placed");
  CAF_CHECK_EQUAL(res.body["user_id"], "u_alice");
  CAF_CHECK_EQUAL(res.body["product_id"], mug);
  CAF_CHECK_EQUAL(res.body["total"], 30000);
  CAF_CHECK_EQUAL(res.body["address"], "1 Alice Road");
  CAF_CHECK(res.body["reason"].is_null());
  CAF_CHECK(res.body["delivery_id"].is_string());
  CAF_CHECK(is_order_id(res.body.value("id", "")));
  // The token is the position of the order's latest event.
  CAF_CHECK_EQUAL(res.header("X-Consistency-Token"),
                  std::to_string(shop.last_tx()) + ".0");
}

CAF_TEST(the user comes from the token and the address from the body) {
  auto res = place(
      alice,
      json{{"product_id", mug}, {"qty", 1}, {"address", "  9 Elsewhere  "}}
          .dump());
  CAF_CHECK_EQUAL(res.status, 201);
  CAF_CHECK_EQUAL(res.body["address"], "9 Elsewhere");
  res = place(alice,
              json{{"product_id", mug}, {"qty", 1}, {"user_id", "u_x"}}.dump());
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
}

CAF_TEST(admins get 403 and anonymous callers 401 on placing orders) {
  CAF_CHECK_EQUAL(place_mug(admin).status, 403);
  CAF_CHECK_EQUAL(place_mug(admin).error_code(), "forbidden");
  CAF_CHECK_EQUAL(place_mug("").status, 401);
  CAF_CHECK_EQUAL(asks_of("order"), 0u);
}

CAF_TEST(an invalid order body is 400 naming the field) {
  auto res = place(alice, json{{"product_id", mug}, {"qty", 0}}.dump());
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
  CAF_CHECK_NOT_EQUAL(
      res.body["error"]["message"].get<std::string>().find("qty"),
      std::string::npos);
  CAF_CHECK_EQUAL(place(alice, "[1]").error_code(), "invalid_json");
  CAF_CHECK_EQUAL(place(alice, R"({"product_id":"x","qty":"1"})").status, 400);
  CAF_CHECK_EQUAL(asks_of("order"), 0u);
}

CAF_TEST(an unknown or malformed product is 404 unknown product) {
  auto res = place(
      alice, json{{"product_id", "p_00000000000000ff"}, {"qty", 1}}.dump());
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(res.error_code(), "unknown_product");
  res = place(alice, json{{"product_id", "not-a-product"}, {"qty", 1}}.dump());
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(res.error_code(), "unknown_product");
  CAF_CHECK_EQUAL(asks_of("order"), 0u);
}

CAF_TEST(a token whose account does not exist cannot order) {
  auto ghost = bearer({"u_ghost", "customer", "ghost", 0});
  CAF_CHECK_EQUAL(place_mug(ghost).status, 401);
  // A token whose user id is not the account's (a recreated username).
  auto impostor = bearer({"u_other", "customer", "alice", 0});
  CAF_CHECK_EQUAL(place_mug(impostor).status, 401);
  CAF_CHECK_EQUAL(asks_of("order"), 0u);
}

CAF_TEST(a caller without an account gets 401 even for an unknown product) {
  // The account is checked before the product.
  auto ghost = bearer({"u_ghost", "customer", "ghost", 0});
  auto res = place(
      ghost, json{{"product_id", "p_00000000000000ff"}, {"qty", 1}}.dump());
  CAF_CHECK_EQUAL(res.status, 401);
  CAF_CHECK_EQUAL(res.error_code(), "unauthorized");
  CAF_CHECK_EQUAL(asks_of("order"), 0u);
}

CAF_TEST(an order without stock is still 201 and rejected) {
  auto res = place_mug(alice, 6);
  CAF_CHECK_EQUAL(res.status, 201);
  CAF_CHECK_EQUAL(res.body["status"], "rejected");
  CAF_CHECK_EQUAL(res.body["reason"], "insufficient_stock");
}

CAF_TEST(an order the saga does not decide in time answers pending) {
  shop.run_saga = false;
  auto res = place_mug(alice);
  CAF_CHECK_EQUAL(res.status, 201);
  CAF_CHECK_EQUAL(res.body["status"], "pending");
  CAF_CHECK_EQUAL(res.header("X-Consistency-Token"),
                  std::to_string(shop.last_tx()) + ".0");
  // create, await (timed out), then get.
  auto asks = shop.asks();
  CAF_REQUIRE_GREATER_OR_EQUAL(asks.size(), 3u);
  CAF_CHECK_EQUAL(asks[asks.size() - 2].body, R"({"type":"await"})");
  CAF_CHECK_EQUAL(asks.back().body, R"({"type":"get"})");
}

CAF_TEST(entities that do not answer make placing an order 503) {
  shop.unavailable = true;
  auto res = place_mug(alice);
  CAF_CHECK_EQUAL(res.status, 503);
  CAF_CHECK_EQUAL(res.error_code(), "unavailable");
  CAF_CHECK_EQUAL(res.header("Retry-After"), "1");
}

// -- Idempotency-Key ----------------------------------------------------------

CAF_TEST(a malformed idempotency key is 400 invalid input) {
  for (auto key : {std::string{}, std::string{"has space"},
                   std::string{"dot.ted"}, std::string(65, 'k')}) {
    auto res = place(alice, json{{"product_id", mug}, {"qty", 1}}.dump(),
                     {{"Idempotency-Key", key}});
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
  }
  CAF_CHECK_EQUAL(asks_of("order"), 0u);
}

CAF_TEST(only an order under a fresh random id skips looking for events) {
  // A keyed order may exist already (a repeat): its entity must read them.
  place_mug(alice, 1);
  place_mug(alice, 1, "key-1");
  auto asked = creates();
  CAF_REQUIRE_EQUAL(asked.size(), 2u);
  CAF_CHECK(asked[0].expect_new);
  CAF_CHECK(!asked[1].expect_new);
}

CAF_TEST(a repeated idempotency key answers 200 with the same order) {
  auto first = place_mug(alice, 1, "key-1");
  CAF_CHECK_EQUAL(first.status, 201);
  CAF_CHECK_EQUAL(first.body["id"], order_id_for_key("u_alice", "key-1"));
  auto again = place_mug(alice, 1, "key-1");
  CAF_CHECK_EQUAL(again.status, 200);
  CAF_CHECK_EQUAL(again.body, first.body);
  CAF_CHECK(!again.header("X-Consistency-Token").empty());
  // The repeat created nothing.
  CAF_CHECK_EQUAL(shop.order_rows().size(), 1u);
}

CAF_TEST(the same idempotency key of another user is another order) {
  auto mine = place_mug(alice, 1, "shared");
  auto theirs = place_mug(bob, 1, "shared");
  CAF_CHECK_EQUAL(mine.status, 201);
  CAF_CHECK_EQUAL(theirs.status, 201);
  CAF_CHECK_NOT_EQUAL(mine.body["id"], theirs.body["id"]);
  CAF_CHECK_EQUAL(theirs.body["user_id"], "u_bob");
}

CAF_TEST(the same idempotency key with another body is 409) {
  CAF_CHECK_EQUAL(place_mug(alice, 1, "k").status, 201);
  auto res = place_mug(alice, 2, "k");
  CAF_CHECK_EQUAL(res.status, 409);
  CAF_CHECK_EQUAL(res.error_code(), "idempotency_key_reused");
}

// -- GET /orders/{id} ---------------------------------------------------------

CAF_TEST(the owner and admins read an order and others get 404) {
  auto id = place_mug(alice).body["id"].get<std::string>();
  auto mine = call(verb::get, "/orders/" + id, alice);
  CAF_CHECK_EQUAL(mine.status, 200);
  CAF_CHECK_EQUAL(mine.body["id"], id);
  CAF_CHECK_EQUAL(call(verb::get, "/orders/" + id, admin).status, 200);
  auto other = call(verb::get, "/orders/" + id, bob);
  CAF_CHECK_EQUAL(other.status, 404);
  CAF_CHECK_EQUAL(other.error_code(), "not_found");
  CAF_CHECK_EQUAL(call(verb::get, "/orders/" + id).status, 401);
}

CAF_TEST(unknown and malformed order ids are 404) {
  CAF_CHECK_EQUAL(call(verb::get, "/orders/o_00000000000000ff", alice).status,
                  404);
  auto before = shop.asks().size();
  for (auto id : {"nope", "o_XYZ", "p_00000000000000aa"})
    CAF_CHECK_EQUAL(call(verb::get, std::string{"/orders/"} + id, admin).status,
                    404);
  CAF_CHECK_EQUAL(shop.asks().size(), before);
}

// -- POST /orders/{id}/cancel -------------------------------------------------

CAF_TEST(the owner cancels an order and cancelling again is a no op 200) {
  auto id = place_mug(alice).body["id"].get<std::string>();
  auto res = call(verb::post, "/orders/" + id + "/cancel", alice);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["status"], "cancelled");
  CAF_CHECK(!res.header("X-Consistency-Token").empty());
  res = call(verb::post, "/orders/" + id + "/cancel", alice);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["status"], "cancelled");
}

CAF_TEST(another customer cannot cancel an order and gets 404) {
  auto id = place_mug(alice).body["id"].get<std::string>();
  auto res = call(verb::post, "/orders/" + id + "/cancel", bob);
  CAF_CHECK_EQUAL(res.status, 404);
  auto now = call(verb::get, "/orders/" + id, alice);
  CAF_CHECK_EQUAL(now.body["status"], "placed");
  CAF_CHECK_EQUAL(call(verb::post, "/orders/" + id + "/cancel", admin).status,
                  200);
}

CAF_TEST(cancelling a rejected or delivered order is 409 not cancellable) {
  auto rejected = place_mug(alice, 6).body["id"].get<std::string>();
  auto res = call(verb::post, "/orders/" + rejected + "/cancel", alice);
  CAF_CHECK_EQUAL(res.status, 409);
  CAF_CHECK_EQUAL(res.error_code(), "not_cancellable");
  auto placed = place_mug(alice).body;
  auto delivery = placed["delivery_id"].get<std::string>();
  CAF_REQUIRE_EQUAL(
      call(verb::post, "/deliveries/" + delivery + "/complete", admin).status,
      200);
  res = call(verb::post,
             "/orders/" + placed["id"].get<std::string>() + "/cancel", alice);
  CAF_CHECK_EQUAL(res.status, 409);
  CAF_CHECK_EQUAL(res.error_code(), "not_cancellable");
}

// -- GET /orders --------------------------------------------------------------

CAF_TEST(a customer lists only their own orders newest first) {
  auto first = place_mug(alice).body["id"];
  place_mug(bob);
  auto second = place_mug(alice).body["id"];
  auto res = call(verb::get, "/orders?user_id=u_bob", alice);
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_REQUIRE_EQUAL(res.body["items"].size(), 2u);
  CAF_CHECK_EQUAL(res.body["items"][0]["id"], second);
  CAF_CHECK_EQUAL(res.body["items"][1]["id"], first);
  CAF_CHECK(res.body["next_cursor"].is_null());
  // Items are API orders: the view's delivery columns stay inside.
  CAF_CHECK(!res.body["items"][0].contains("delivery_status"));
  CAF_CHECK_EQUAL(views.calls.back().owner, "u_alice");
}

CAF_TEST(an admin lists all orders or those of one user) {
  place_mug(alice);
  place_mug(bob);
  CAF_CHECK_EQUAL(call(verb::get, "/orders", admin).body["items"].size(), 2u);
  auto res = call(verb::get, "/orders?user_id=u_bob", admin);
  CAF_REQUIRE_EQUAL(res.body["items"].size(), 1u);
  CAF_CHECK_EQUAL(res.body["items"][0]["user_id"], "u_bob");
  CAF_CHECK_EQUAL(call(verb::get, "/orders?user_id=a%20b", admin).status, 400);
  CAF_CHECK_EQUAL(call(verb::get, "/orders").status, 401);
}

CAF_TEST(the order list pages with limit and cursor) {
  for (int i = 0; i < 3; ++i)
    place_mug(alice);
  auto page = call(verb::get, "/orders?limit=2", alice);
  CAF_REQUIRE_EQUAL(page.body["items"].size(), 2u);
  CAF_REQUIRE(page.body["next_cursor"].is_string());
  auto rest = call(verb::get,
                   "/orders?limit=2&cursor=" +
                       page.body["next_cursor"].get<std::string>(),
                   alice);
  CAF_CHECK_EQUAL(rest.body["items"].size(), 1u);
  CAF_CHECK(rest.body["next_cursor"].is_null());
}

CAF_TEST(the order list validates limit cursor and consistency token) {
  for (auto target : {"/orders?limit=0", "/orders?limit=101", "/orders?limit=x",
                      "/orders?cursor=a%20b", "/orders?cursor=gone"}) {
    auto res = call(verb::get, target, alice);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
  }
  auto res =
      call(verb::get, "/orders", alice, {}, {{"X-Consistency-Token", "oops"}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(res.error_code(), "invalid_consistency_token");
}

CAF_TEST(the order list waits for a consistency token and may be stale) {
  auto token = place_mug(alice).header("X-Consistency-Token");
  auto res =
      call(verb::get, "/orders", alice, {}, {{"X-Consistency-Token", token}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(views.calls.back().min_position, token);
  CAF_CHECK_EQUAL(res.header("X-Consistency"), "");
  res =
      call(verb::get, "/orders", alice, {}, {{"X-Consistency-Token", "999.0"}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.header("X-Consistency"), "stale");
  CAF_CHECK_EQUAL(res.body["items"].size(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
