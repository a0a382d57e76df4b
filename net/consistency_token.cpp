#include "net/consistency_token.hpp"

namespace mall::net {

namespace {

constexpr size_t max_digits = 20;

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > max_digits)
    return false;
  for (auto c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

} // namespace

std::optional<std::string> read_consistency_token(const api_request& req,
                                                  domains::rejection& why) {
  if (req.raw.find("X-Consistency-Token") == req.raw.end())
    return std::string{};
  auto token = req.header("X-Consistency-Token");
  auto dot = token.find('.');
  if (dot == std::string_view::npos || !all_digits(token.substr(0, dot)) ||
      !all_digits(token.substr(dot + 1))) {
    why = domains::rejection{"invalid_consistency_token",
                             "X-Consistency-Token is malformed"};
    return std::nullopt;
  }
  return std::string{token};
}

} // namespace mall::net
