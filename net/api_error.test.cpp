#define CAF_SUITE net.api_error
#include "tests/support/caf_test.hpp"

#include "net/api_error.hpp"

#include <nlohmann/json.hpp>

using namespace mall::net;
namespace http = boost::beast::http;

namespace {

std::string header_of(const api_response& res, const std::string& name) {
  for (auto& [key, value] : res.headers)
    if (key == name)
      return value;
  return {};
}

} // namespace

CAF_TEST(every client error code maps to its precise status) {
  CAF_CHECK_EQUAL(status_of("invalid_json"), http::status::bad_request);
  CAF_CHECK_EQUAL(status_of("invalid_input"), http::status::bad_request);
  CAF_CHECK_EQUAL(status_of("invalid_consistency_token"),
                  http::status::bad_request);
  CAF_CHECK_EQUAL(status_of("unauthorized"), http::status::unauthorized);
  CAF_CHECK_EQUAL(status_of("token_expired"), http::status::unauthorized);
  CAF_CHECK_EQUAL(status_of("invalid_credentials"), http::status::unauthorized);
  CAF_CHECK_EQUAL(status_of("forbidden"), http::status::forbidden);
  CAF_CHECK_EQUAL(status_of("not_found"), http::status::not_found);
  CAF_CHECK_EQUAL(status_of("unknown_product"), http::status::not_found);
  CAF_CHECK_EQUAL(status_of("method_not_allowed"),
                  http::status::method_not_allowed);
  CAF_CHECK_EQUAL(status_of("username_taken"), http::status::conflict);
  CAF_CHECK_EQUAL(status_of("not_cancellable"), http::status::conflict);
  CAF_CHECK_EQUAL(status_of("delivery_cancelled"), http::status::conflict);
  CAF_CHECK_EQUAL(status_of("idempotency_key_reused"), http::status::conflict);
  CAF_CHECK_EQUAL(status_of("body_too_large"), http::status::payload_too_large);
  CAF_CHECK_EQUAL(status_of("unsupported_media_type"),
                  http::status::unsupported_media_type);
  CAF_CHECK_EQUAL(status_of("rate_limited"), http::status::too_many_requests);
  CAF_CHECK_EQUAL(status_of("headers_too_large"),
                  http::status::request_header_fields_too_large);
  CAF_CHECK_EQUAL(status_of("unavailable"), http::status::service_unavailable);
}

CAF_TEST(an unknown code is a server fault) {
  CAF_CHECK_EQUAL(status_of("no_such_code"),
                  http::status::internal_server_error);
}

CAF_TEST(the error body has code message and trace id) {
  auto res = api_error("invalid_input", "price must be >= 0", "t-1");
  CAF_CHECK_EQUAL(res.status, http::status::bad_request);
  auto body = nlohmann::json::parse(res.body);
  CAF_CHECK_EQUAL(body["error"]["code"], "invalid_input");
  CAF_CHECK_EQUAL(body["error"]["message"], "price must be >= 0");
  CAF_CHECK_EQUAL(body["error"]["trace_id"], "t-1");
  CAF_CHECK_EQUAL(header_of(res, "Retry-After"), "");
}

CAF_TEST(unavailable and rate limited answers say when to retry) {
  CAF_CHECK_EQUAL(
      header_of(api_error("unavailable", "busy", "t"), "Retry-After"), "1");
  CAF_CHECK_EQUAL(
      header_of(api_error("rate_limited", "slow down", "t"), "Retry-After"),
      "1");
}

CAF_TEST(a message with invalid utf8 still yields valid json) {
  auto res = api_error("invalid_input", std::string{"bad \xff byte"}, "t");
  CAF_CHECK(nlohmann::json::accept(res.body));
}
