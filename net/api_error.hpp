// The one place that turns an error code of API.md into an HTTP answer.
#pragma once

#include "net/api_response.hpp"

#include <boost/beast/http/status.hpp>

#include <string>
#include <string_view>

namespace mall::net {

/// Seconds a client should wait before retrying a 503 or 429.
inline constexpr int retry_after_seconds = 1;

/// The HTTP status of an API error code. Unknown codes are server faults
/// (500): every code a client can cause is listed here.
boost::beast::http::status status_of(std::string_view code);

/// `{"error": {"code", "message", "trace_id"}}` with its status, plus
/// `Retry-After` for 503 and 429.
api_response api_error(std::string_view code, std::string_view message,
                       std::string_view trace_id);

} // namespace mall::net
