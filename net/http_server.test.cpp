#define CAF_SUITE net.http_server
#include "tests/support/caf_test.hpp"

#include "net/http_server.hpp"

#include "net/random_id.hpp"
#include "tests/support/fake_entity_gateway.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <jwt/base64.hpp>
#include <nlohmann/json.hpp>

#include <future>

using namespace mall;
using namespace mall::net;
using nlohmann::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using testing::fake_entity_gateway;

namespace {

// -- fakes of the node's services ------------------------------------------

/// Lists the fake entities' products; the cursor "gone" is unknown.
class fake_catalog : public product_catalog {
public:
  explicit fake_catalog(fake_entity_gateway& entities) : entities_(entities) {}

  void list(catalog_query query,
            std::function<void(catalog_page)> done) override {
    last_query = query;
    catalog_page page;
    if (query.cursor == "gone") {
      page.error_code = "invalid_input";
      page.error_message = "cursor: unknown";
      return done(std::move(page));
    }
    auto all = entities_.product_views();
    for (size_t i = 0; i < all.size() && i < size_t(query.limit); ++i)
      page.items.push_back(all[i]);
    if (all.size() > size_t(query.limit))
      page.next_cursor = "c1";
    page.stale = !query.min_position.empty();
    done(std::move(page));
  }

  catalog_query last_query;

private:
  fake_entity_gateway& entities_;
};

// -- a raw HTTP client --------------------------------------------------------

struct answer {
  int status = 0;
  http::response<http::string_body> raw;
  json body;

  std::string header(const std::string& name) const {
    auto it = raw.find(name);
    return it == raw.end() ? std::string{} : std::string{it->value()};
  }

  std::string error_code() const {
    return body.is_object() && body.contains("error")
               ? body["error"].value("code", "")
               : std::string{};
  }
};

/// One connection to the server; sends raw bytes, reads one response.
class client {
public:
  explicit client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
  }

  answer exchange(const std::string& raw_request) {
    beast::error_code ec;
    // The server may answer (and half-close) before reading everything.
    asio::write(socket_, asio::buffer(raw_request), ec);
    answer out;
    http::read(socket_, buffer_, out.raw, ec);
    if (ec)
      return out;
    out.status = out.raw.result_int();
    out.body = json::parse(out.raw.body(), nullptr, false);
    return out;
  }

private:
  asio::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string request(const std::string& method, const std::string& target,
                    const std::string& body = {},
                    std::vector<std::string> headers = {},
                    bool json_type = true) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: test\r\n";
  for (auto& h : headers)
    out += h + "\r\n";
  if (!body.empty()) {
    if (json_type)
      out += "Content-Type: application/json\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return out + "\r\n" + body;
}

int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string b64url(const std::string& in) {
  auto out = jwt::base64_encode(in.data(), in.size());
  out.resize(jwt::base64_uri_encode(&out[0], out.size()));
  return out;
}

hasher_settings cheap_hashing() {
  hasher_settings s;
  s.time_cost = 1;
  s.memory_kib = 1024;
  return s;
}

http_settings test_settings() {
  http_settings s;
  s.port = 0;
  s.threads = 2;
  s.body_limit = 1024;
  s.header_limit = 4096;
  s.read_timeout = std::chrono::seconds{5};
  s.ask_timeout = std::chrono::seconds{1};
  s.jwt_secret = "test-secret";
  return s;
}

struct fixture {
  fake_entity_gateway entities;
  fake_catalog catalog{entities};
  std::vector<std::string> not_ready;
  token_service tokens{"test-secret", std::chrono::seconds{3600}};
  password_hasher hasher{cheap_hashing()};
  http_server server{test_settings(),
                     gateway_services{entities, catalog,
                                      [this] { return not_ready; }, tokens,
                                      hasher}};
  uint16_t port = 0;
  std::string admin_auth;
  std::string customer_auth;

  fixture() {
    auto started = server.start();
    CAF_REQUIRE(started.ok());
    port = started.port;
    admin_auth = "Authorization: Bearer " +
                 tokens.issue({"u_admin", "admin", "root", 0});
    customer_auth = "Authorization: Bearer " +
                    tokens.issue({"u_cust", "customer", "alice", 0});
  }

  answer send(const std::string& raw) {
    client c{port};
    return c.exchange(raw);
  }

  std::string create_product() {
    auto res = send(request("POST", "/products",
                            R"({"name":"Mug","price":15000,"stock":3})",
                            {admin_auth}));
    CAF_REQUIRE_EQUAL(res.status, 201);
    return res.body.value("id", "");
  }
};

} // namespace

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

// -- products
// ---------------------------------------------------------------------

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

// -- accounts
// ---------------------------------------------------------------------

CAF_TEST(signup registers a customer and answers its ids only) {
  auto res = send(request("POST", "/auth/signup",
                          R"({"username":"alice","password":"secret123",
                              "name":"Alice","address":"Seoul"})"));
  CAF_REQUIRE_EQUAL(res.status, 201);
  CAF_CHECK(is_random_id(res.body.value("user_id", ""), "u_"));
  CAF_CHECK_EQUAL(res.body["username"], "alice");
  CAF_CHECK_EQUAL(res.body.size(), 2u);
  CAF_CHECK(!res.header("X-Consistency-Token").empty());
  auto cmds = entities.commands();
  CAF_REQUIRE_EQUAL(cmds.size(), 1u);
  auto registered = json::parse(cmds[0].body);
  CAF_CHECK_EQUAL(registered["role"], "customer");
  CAF_CHECK_EQUAL(
      registered["password_hash"].get<std::string>().rfind("$argon2id$", 0),
      0u);
}

CAF_TEST(signing up a taken username is 409) {
  auto body = R"({"username":"bob","password":"secret123","name":"Bob",
                  "address":"Busan"})";
  CAF_CHECK_EQUAL(send(request("POST", "/auth/signup", body)).status, 201);
  auto res = send(request("POST", "/auth/signup", body));
  CAF_CHECK_EQUAL(res.status, 409);
  CAF_CHECK_EQUAL(res.error_code(), "username_taken");
}

CAF_TEST(signup validates its body) {
  for (
      auto body :
      {R"({"username":"Alice","password":"secret123","name":"A","address":"S"})",
       R"({"username":"alice","password":"short","name":"A","address":"S"})",
       R"({"username":"alice","password":"secret123","name":"A"})",
       R"({"username":"alice","password":"secret123","name":"A","address":"S","role":"admin"})"}) {
    auto res = send(request("POST", "/auth/signup", body));
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_input");
  }
  CAF_CHECK_EQUAL(entities.command_count(), 0u);
}

CAF_TEST(a signed up customer gets a working bearer token) {
  send(request("POST", "/auth/signup",
               R"({"username":"carol","password":"secret123","name":"C",
                   "address":"Daegu"})"));
  auto res = send(request("POST", "/auth/token",
                          R"({"username":"carol","password":"secret123"})"));
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.body["token_type"], "Bearer");
  CAF_CHECK_EQUAL(res.body["expires_in"], 3600);
  mall::domains::rejection why;
  auto claims = tokens.verify(res.body.value("access_token", ""), why);
  CAF_REQUIRE(claims);
  CAF_CHECK_EQUAL(claims->role, "customer");
  CAF_CHECK_EQUAL(claims->username, "carol");
  CAF_CHECK(is_random_id(claims->user_id, "u_"));
  res = send(
      request("POST", "/products", R"({"name":"Mug","price":1,"stock":1})",
              {"Authorization: Bearer " + res.body.value("access_token", "")}));
  CAF_CHECK_EQUAL(res.status, 403);
}

CAF_TEST(a wrong password or unknown user is 401 invalid credentials) {
  send(request("POST", "/auth/signup",
               R"({"username":"dave","password":"secret123","name":"D",
                   "address":"Jeju"})"));
  for (auto body : {R"({"username":"dave","password":"secret124"})",
                    R"({"username":"nobody","password":"secret123"})"}) {
    auto res = send(request("POST", "/auth/token", body));
    CAF_CHECK_EQUAL(res.status, 401);
    CAF_CHECK_EQUAL(res.error_code(), "invalid_credentials");
  }
  auto res = send(request("POST", "/auth/token", R"({"username":"dave"})"));
  CAF_CHECK_EQUAL(res.status, 400);
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
