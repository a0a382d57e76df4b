// A parsed request as handlers see it.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mall::net {

/// An HTTP request plus what the server derived from it: the path without
/// query, the route's `{name}` parameters, the decoded query and the trace id.
struct api_request {
  boost::beast::http::request<boost::beast::http::string_body> raw;
  std::string path;
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> query;
  std::string trace_id;

  /// The value of header `name`, empty when absent.
  std::string_view header(std::string_view name) const {
    auto it = raw.find(boost::beast::string_view{name.data(), name.size()});
    if (it == raw.end())
      return {};
    auto value = it->value();
    return {value.data(), value.size()};
  }

  /// The route parameter `name` (empty when the route has none).
  const std::string& param(const std::string& name) const {
    static const std::string none;
    auto it = params.find(name);
    return it == params.end() ? none : it->second;
  }

  std::optional<std::string> query_param(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end())
      return std::nullopt;
    return it->second;
  }
};

} // namespace mall::net
