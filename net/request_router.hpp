// Maps (method, path) to a handler; path patterns have `{name}` segments.
#pragma once

#include "net/api_request.hpp"
#include "net/api_response.hpp"

#include <boost/beast/http/verb.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mall::net {

/// Handles one request; must call the responder exactly once, possibly later
/// and from another thread. The request stays valid while the handler holds
/// the pointer.
using api_handler =
    std::function<void(std::shared_ptr<const api_request>, responder)>;

/// What a lookup found: a handler with the path's parameters, an unknown path
/// or a known path without this method (then `allow` lists its methods).
struct route_match {
  enum class outcome { found, not_found, method_not_allowed };
  outcome result = outcome::not_found;
  const api_handler* handler = nullptr;
  std::map<std::string, std::string> params;
  /// Comma-separated methods for the `Allow` header.
  std::string allow;
};

/// The routing table, filled before the server starts and read-only after.
class request_router {
public:
  /// Registers `handler` for `method` on `pattern`, e.g. "/products/{id}".
  void add(boost::beast::http::verb method, std::string_view pattern,
           api_handler handler);

  route_match match(boost::beast::http::verb method,
                    std::string_view path) const;

private:
  struct route {
    std::vector<std::string> segments;
    std::map<boost::beast::http::verb, api_handler> handlers;
  };

  std::vector<route> routes_;
};

/// Splits "/a/b/" into {"a", "b"}; empty segments are dropped.
std::vector<std::string> split_path(std::string_view path);

} // namespace mall::net
