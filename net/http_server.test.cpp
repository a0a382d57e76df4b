#define CAF_SUITE net.http_server
#include "tests/support/caf_test.hpp"

#include "tests/support/live_http_server.hpp"

CAF_TEST_FIXTURE_SCOPE(http_server_tests, fixture)

// -- operations
// ----------------------------------------------------------------

CAF_TEST(liveness answers ok as JSON with a trace id) {
  auto res = send(request("GET", "/health/live"));
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body, json({{"status", "ok"}}));
  CAF_CHECK_EQUAL(res.header("Content-Type"), "application/json");
  CAF_CHECK(!res.header("X-Trace-Id").empty());
}

CAF_TEST(readiness reports the reasons a node cannot serve) {
  CAF_CHECK_EQUAL(send(request("GET", "/health/ready")).status, 200);
  not_ready = {"journal unreachable"};
  auto res = send(request("GET", "/health/ready"));
  CAF_CHECK_EQUAL(res.status, 503);
  CAF_CHECK_EQUAL(res.body["status"], "unavailable");
  CAF_CHECK_EQUAL(res.body["reasons"], json::array({"journal unreachable"}));
  CAF_CHECK_EQUAL(res.header("Retry-After"), "1");
}

// -- routing and trace ids
// -----------------------------------------------------

CAF_TEST(an unknown path is 404 not found in the error shape) {
  auto res = send(request("GET", "/nope", {}, {"X-Trace-Id: abc-123_X"}));
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(res.error_code(), "not_found");
  CAF_CHECK_EQUAL(res.body["error"]["trace_id"], "abc-123_X");
  CAF_CHECK(res.body["error"]["message"].is_string());
}

CAF_TEST(a wrong method is 405 with the allowed methods) {
  auto res = send(request("DELETE", "/products"));
  CAF_CHECK_EQUAL(res.status, 405);
  CAF_CHECK_EQUAL(res.error_code(), "method_not_allowed");
  CAF_CHECK_EQUAL(res.header("Allow"), "GET, POST");
}

CAF_TEST(a valid trace id is echoed and an invalid one replaced) {
  auto res = send(request("GET", "/health/live", {}, {"X-Trace-Id: t_1-A"}));
  CAF_CHECK_EQUAL(res.header("X-Trace-Id"), "t_1-A");
  for (auto bad : {std::string{"has space"}, std::string(65, 'a'),
                   std::string{"semi;colon"}}) {
    res = send(request("GET", "/health/live", {}, {"X-Trace-Id: " + bad}));
    auto id = res.header("X-Trace-Id");
    CAF_CHECK(!id.empty());
    CAF_CHECK_NOT_EQUAL(id, bad);
  }
  auto a = send(request("GET", "/health/live")).header("X-Trace-Id");
  auto b = send(request("GET", "/health/live")).header("X-Trace-Id");
  CAF_CHECK_NOT_EQUAL(a, b);
}

CAF_TEST(a connection serves several requests) {
  client c{port};
  CAF_CHECK_EQUAL(c.exchange(request("GET", "/health/live")).status, 200);
  CAF_CHECK_EQUAL(c.exchange(request("GET", "/nope")).status, 404);
  CAF_CHECK_EQUAL(c.exchange(request("GET", "/health/live")).status, 200);
}

// -- limits
// ---------------------------------------------------------------------

CAF_TEST(metrics count the answered requests by status) {
  send(request("GET", "/health/live"));
  send(request("GET", "/nowhere"));
  CAF_CHECK_EQUAL(send(request("GET", "/metrics")).status, 401);
  auto res = send(request("GET", "/metrics", {}, {admin_auth}));
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.header("Content-Type"),
                  "text/plain; version=0.0.4; charset=utf-8");
  auto text = res.raw.body();
  CAF_CHECK_NOT_EQUAL(text.find("mall_http_requests_total{status=\"200\"} 1\n"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("mall_http_requests_total{status=\"404\"} 1\n"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("mall_http_requests_total{status=\"401\"} 1\n"),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("mall_http_request_duration_seconds_count 3\n"),
                      std::string::npos);
}

CAF_TEST(without order views the order routes are not served) {
  CAF_CHECK_EQUAL(send(request("GET", "/orders", {}, {customer_auth})).status,
                  404);
}

CAF_TEST(an oversized body is 413) {
  auto body = R"({"name":")" + std::string(4000, 'x') + R"("})";
  auto res = send(request("POST", "/products", body, {admin_auth}));
  CAF_CHECK_EQUAL(res.status, 413);
  CAF_CHECK_EQUAL(res.error_code(), "body_too_large");
}

CAF_TEST(huge headers are 431) {
  auto res = send(request("GET", "/health/live", {},
                          {"X-Filler: " + std::string(8000, 'h')}));
  CAF_CHECK_EQUAL(res.status, 431);
  CAF_CHECK_EQUAL(res.error_code(), "headers_too_large");
  CAF_CHECK(!res.header("X-Trace-Id").empty());
}

CAF_TEST(a malformed request line is 400) {
  auto res = send("GARBAGE\r\n\r\n");
  CAF_CHECK_EQUAL(res.status, 400);
}

// -- bodies
// ---------------------------------------------------------------------

CAF_TEST(malformed empty and non object json bodies are invalid json) {
  for (auto body : {"{\"name\": ", "[1,2]", "\"text\"", "null"}) {
    auto res = send(request("POST", "/products", body, {admin_auth}));
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_json");
  }
  auto res = send(request("POST", "/products", {}, {admin_auth}));
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(res.error_code(), "invalid_json");
}

CAF_TEST(a body that is not declared json is 415) {
  auto body = R"({"name":"Mug","price":1,"stock":1})";
  auto res = send(request("POST", "/products", body,
                          {admin_auth, "Content-Type: text/plain"}, false));
  CAF_CHECK_EQUAL(res.status, 415);
  CAF_CHECK_EQUAL(res.error_code(), "unsupported_media_type");
  res = send(request("POST", "/products", body, {admin_auth}, false));
  CAF_CHECK_EQUAL(res.status, 415);
  res = send(request(
      "POST", "/products", body,
      {admin_auth, "Content-Type: Application/JSON; charset=utf-8"}, false));
  CAF_CHECK_EQUAL(res.status, 201);
}

CAF_TEST(wrong types missing and unknown fields are invalid input) {
  for (auto body : {R"({"name":"Mug","price":"3","stock":1})",
                    R"({"name":"Mug","price":1.5,"stock":1})",
                    R"({"name":"Mug","stock":1})",
                    R"({"name":"Mug","price":1,"stock":1,"color":"red"})",
                    R"({"name":"Mug","price":-1,"stock":1})",
                    R"({"name":"  ","price":1,"stock":1})"}) {
    auto res = send(request("POST", "/products", body, {admin_auth}));
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
  }
}

CAF_TEST(a client cannot name the command type) {
  auto res = send(request("POST", "/products/" + create_product() + "/restock",
                          R"({"type":"reserve","order_id":"o","qty":1})",
                          {admin_auth}));
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
}

// -- authentication and roles ------------------------------------------------

CAF_TEST(admin endpoints need a valid token) {
  auto body = R"({"name":"Mug","price":1,"stock":1})";
  auto res = send(request("POST", "/products", body));
  CAF_CHECK_EQUAL(res.status, 401);
  CAF_CHECK_EQUAL(res.error_code(), "unauthorized");
  auto token = tokens.issue({"u_admin", "admin", "root", 0});
  auto forged = token.substr(0, token.rfind('.') + 1) + b64url("nope");
  res = send(
      request("POST", "/products", body, {"Authorization: Bearer " + forged}));
  CAF_CHECK_EQUAL(res.status, 401);
  CAF_CHECK_EQUAL(res.error_code(), "unauthorized");
  res = send(request("POST", "/products", body,
                     {"Authorization: Basic cm9vdDpyb290"}));
  CAF_CHECK_EQUAL(res.status, 401);
  CAF_CHECK_EQUAL(res.error_code(), "unauthorized");
}

CAF_TEST(an expired token is 401 token expired) {
  auto expired = tokens.issue({"u_admin", "admin", "root", 0}, now_s() - 7200);
  auto res =
      send(request("POST", "/products", R"({"name":"Mug","price":1,"stock":1})",
                   {"Authorization: Bearer " + expired}));
  CAF_CHECK_EQUAL(res.status, 401);
  CAF_CHECK_EQUAL(res.error_code(), "token_expired");
}

CAF_TEST(an alg none token is 401) {
  json header{{"alg", "none"}, {"typ", "JWT"}};
  json claims{{"sub", "u_admin"}, {"role", "admin"}, {"exp", now_s() + 600}};
  auto token = b64url(header.dump()) + "." + b64url(claims.dump()) + ".";
  auto res =
      send(request("POST", "/products", R"({"name":"Mug","price":1,"stock":1})",
                   {"Authorization: Bearer " + token}));
  CAF_CHECK_EQUAL(res.status, 401);
  CAF_CHECK_EQUAL(res.error_code(), "unauthorized");
}

CAF_TEST(a customer on an admin endpoint is 403) {
  auto res =
      send(request("POST", "/products", R"({"name":"Mug","price":1,"stock":1})",
                   {customer_auth}));
  CAF_CHECK_EQUAL(res.status, 403);
  CAF_CHECK_EQUAL(res.error_code(), "forbidden");
  CAF_CHECK_EQUAL(entities.command_count(), 0u);
}

CAF_TEST(a flood from one client is rate limited) {
  auto settings = test_settings();
  settings.rate_limit_per_second = 1;
  settings.rate_limit_burst = 3;
  http_server limited{settings,
                      gateway_services{entities, catalog, {}, tokens, hasher}};
  auto started = limited.start();
  CAF_REQUIRE(started.ok());
  client c{started.port};
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(c.exchange(request("GET", "/health/live")).status, 200);
  auto res = c.exchange(request("GET", "/health/live"));
  CAF_CHECK_EQUAL(res.status, 429);
  CAF_CHECK_EQUAL(res.error_code(), "rate_limited");
  CAF_CHECK_EQUAL(res.header("Retry-After"), "1");
}

// -- shutdown
// -------------------------------------------------------------------

CAF_TEST(shutdown lets a request in progress finish) {
  entities.hold = true;
  auto pending = std::async(std::launch::async, [this] {
    return send(request("GET", "/products/p_0123456789abcdef"));
  });
  CAF_REQUIRE(entities.wait_for_held(1));
  auto stopping = std::async(
      std::launch::async, [this] { server.shutdown(std::chrono::seconds{5}); });
  entities.release();
  auto res = pending.get();
  stopping.get();
  CAF_CHECK_EQUAL(res.status, 404);
  // Stopped: new connections are refused.
  beast::error_code ec;
  asio::io_context ioc;
  tcp::socket socket{ioc};
  socket.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}, ec);
  CAF_CHECK(ec);
}

CAF_TEST(shutdown does not wait past its grace for a lost reply) {
  entities.hold = true;
  auto pending = std::async(std::launch::async, [this] {
    return send(request("GET", "/products/p_0123456789abcdef"));
  });
  CAF_REQUIRE(entities.wait_for_held(1));
  server.shutdown(std::chrono::milliseconds{50});
  // The connection closed without an answer; the late reply goes nowhere.
  CAF_CHECK_EQUAL(pending.get().status, 0);
  entities.release();
}

CAF_TEST_FIXTURE_SCOPE_END()
