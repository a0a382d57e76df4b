// What a handler answers: status, JSON body and extra headers. The server adds
// the headers every response carries (content type, trace id, keep-alive).
#pragma once

// Boost 1.74's status.hpp streams without including <ostream> itself.
#include <ostream>

#include <boost/beast/http/status.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mall::net {

/// One HTTP answer before the server serializes it.
struct api_response {
  boost::beast::http::status status = boost::beast::http::status::ok;
  /// JSON text.
  std::string body;
  /// Headers beyond the ones the server always sets.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Delivers a handler's answer back to its connection. Call it exactly once,
/// from any thread.
using responder = std::function<void(api_response)>;

} // namespace mall::net
