#include "net/api_error.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <unordered_map>

namespace mall::net {

namespace http = boost::beast::http;

http::status status_of(std::string_view code) {
  static const std::unordered_map<std::string_view, http::status> statuses{
      {"invalid_json", http::status::bad_request},
      {"invalid_input", http::status::bad_request},
      {"invalid_consistency_token", http::status::bad_request},
      {"unauthorized", http::status::unauthorized},
      {"token_expired", http::status::unauthorized},
      {"invalid_credentials", http::status::unauthorized},
      {"forbidden", http::status::forbidden},
      {"not_found", http::status::not_found},
      {"unknown_product", http::status::not_found},
      {"method_not_allowed", http::status::method_not_allowed},
      {"username_taken", http::status::conflict},
      {"not_cancellable", http::status::conflict},
      {"delivery_cancelled", http::status::conflict},
      {"idempotency_key_reused", http::status::conflict},
      {"body_too_large", http::status::payload_too_large},
      {"unsupported_media_type", http::status::unsupported_media_type},
      {"rate_limited", http::status::too_many_requests},
      {"headers_too_large", http::status::request_header_fields_too_large},
      {"unavailable", http::status::service_unavailable},
  };
  auto it = statuses.find(code);
  return it == statuses.end() ? http::status::internal_server_error
                              : it->second;
}

api_response api_error(std::string_view code, std::string_view message,
                       std::string_view trace_id) {
  api_response res;
  res.status = status_of(code);
  nlohmann::json body{{"error",
                       {{"code", std::string{code}},
                        {"message", std::string{message}},
                        {"trace_id", std::string{trace_id}}}}};
  // Replace rather than throw on invalid UTF-8 a client may have sent.
  res.body =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (res.status == http::status::service_unavailable ||
      res.status == http::status::too_many_requests)
    res.headers.emplace_back("Retry-After",
                             std::to_string(retry_after_seconds));
  return res;
}

} // namespace mall::net
