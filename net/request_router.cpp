#include "net/request_router.hpp"

#include <set>

namespace mall::net {

namespace http = boost::beast::http;

namespace {

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Fills `params` when every segment of `pattern` matches `path`.
bool matches(const std::vector<std::string>& pattern,
             const std::vector<std::string>& path,
             std::map<std::string, std::string>& params) {
  if (pattern.size() != path.size())
    return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i]))
      params[pattern[i].substr(1, pattern[i].size() - 2)] = path[i];
    else if (pattern[i] != path[i])
      return false;
  }
  return true;
}

} // namespace

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos)
      next = path.size();
    if (next > pos)
      out.emplace_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

void request_router::add(http::verb method, std::string_view pattern,
                         api_handler handler) {
  auto segments = split_path(pattern);
  for (auto& r : routes_) {
    if (r.segments == segments) {
      r.handlers[method] = std::move(handler);
      return;
    }
  }
  routes_.push_back(route{std::move(segments), {}});
  routes_.back().handlers[method] = std::move(handler);
}

route_match request_router::match(http::verb method,
                                  std::string_view path) const {
  auto segments = split_path(path);
  route_match best;
  std::set<std::string> allowed;
  // Routes are tried in registration order, so of two overlapping patterns
  // ("/a/new", "/a/{id}") the one registered first wins.
  for (auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!matches(r.segments, segments, params))
      continue;
    if (auto it = r.handlers.find(method); it != r.handlers.end()) {
      best.result = route_match::outcome::found;
      best.handler = &it->second;
      best.params = std::move(params);
      return best;
    }
    best.result = route_match::outcome::method_not_allowed;
    for (auto& entry : r.handlers)
      allowed.insert(std::string{http::to_string(entry.first)});
  }
  for (auto& name : allowed)
    best.allow += (best.allow.empty() ? "" : ", ") + name;
  return best;
}

} // namespace mall::net
