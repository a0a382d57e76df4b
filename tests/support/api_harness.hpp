// TEST ONLY (no .cpp, so not part of mall_net): calls the gateway's handlers
// through its router, without sockets, against the in-memory fake shop.
// Better placed in tests/support/.
#pragma once

#include "net/api_response.hpp"
#include "net/gateway_services.hpp"
#include "net/http_settings.hpp"
#include "net/query_string.hpp"
#include "net/request_router.hpp"
#include "tests/support/fake_shop.hpp"

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mall::net::testing {

/// What a handler answered, with its body parsed.
struct handler_answer {
  int status = 0;
  api_response raw;
  nlohmann::json body;

  std::string header(const std::string& name) const {
    for (auto& [key, value] : raw.headers)
      if (key == name)
        return value;
    return {};
  }

  std::string error_code() const {
    return body.is_object() && body.contains("error")
               ? body["error"].value("code", "")
               : std::string{};
  }
};

/// A product catalog with nothing in it (the tests here do not list
/// products).
class empty_catalog : public product_catalog {
public:
  void list(catalog_query, std::function<void(catalog_page)> done) override {
    done(catalog_page{});
  }
};

/// The routes under test with a fake shop, its views, a token service and
/// ready-made bearer tokens for two customers and an admin.
struct api_harness {
  fake_shop shop;
  fake_order_views views{shop};
  empty_catalog catalog;
  token_service tokens{"test-secret", std::chrono::seconds{3600}};
  password_hasher hasher;
  gateway_services services{shop, catalog, {}, tokens, hasher, &views, nullptr};
  http_settings settings;
  request_router router;
  std::string alice = bearer({"u_alice", "customer", "alice", 0});
  std::string bob = bearer({"u_bob", "customer", "bob", 0});
  std::string admin = bearer({"u_admin", "admin", "root", 0});

  api_harness() {
    shop.add_customer("alice", "u_alice", "1 Alice Road");
    shop.add_customer("bob", "u_bob", "2 Bob Street");
  }

  std::string bearer(const token_claims& who) {
    return "Bearer " + tokens.issue(who);
  }

  /// Routes `method target` with `auth` as Authorization (none when empty),
  /// `body` as a JSON body and more `headers`; waits for the answer.
  handler_answer
  call(boost::beast::http::verb method, const std::string& target,
       const std::string& auth = {}, const std::string& body = {},
       std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto req = std::make_shared<api_request>();
    req->raw.method(method);
    req->raw.target(target);
    if (!auth.empty())
      req->raw.set("Authorization", auth);
    if (!body.empty()) {
      req->raw.set("Content-Type", "application/json");
      req->raw.body() = body;
    }
    for (auto& [name, value] : headers)
      req->raw.set(name, value);
    req->trace_id = "t1";
    auto question = target.find('?');
    req->path = target.substr(0, question);
    if (question != std::string::npos)
      req->query = parse_query(target.substr(question + 1)).value();
    auto match = router.match(method, req->path);
    handler_answer out;
    if (match.result != route_match::outcome::found)
      return out;
    req->params = match.params;
    auto answered = std::make_shared<std::promise<api_response>>();
    (*match.handler)(req, [answered](api_response res) {
      answered->set_value(std::move(res));
    });
    auto future = answered->get_future();
    if (future.wait_for(std::chrono::seconds{5}) != std::future_status::ready)
      return out;
    out.raw = future.get();
    out.status = static_cast<int>(out.raw.status);
    out.body = nlohmann::json::parse(out.raw.body, nullptr, false);
    return out;
  }
};

} // namespace mall::net::testing
