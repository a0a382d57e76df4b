// A real http_server on a free port with fake node services, and a small
// client speaking raw HTTP over a socket, for the gateway tests.
#pragma once

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
