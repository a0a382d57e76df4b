#include "net/list_request.hpp"

#include "domains/common/json_text.hpp"
#include "net/consistency_token.hpp"

namespace mall::net {

namespace {

constexpr int max_limit = 100;
constexpr size_t max_cursor = 256;

bool parse_limit(const std::string& text, int& limit) {
  if (text.empty() || text.size() > 3)
    return false;
  int value = 0;
  for (auto c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > max_limit)
    return false;
  limit = value;
  return true;
}

bool valid_cursor(const std::string& cursor) {
  if (cursor.empty() || cursor.size() > max_cursor)
    return false;
  for (auto c : cursor)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
          c == ':' || c == '='))
      return false;
  return true;
}

} // namespace

std::optional<list_request> read_list_request(const api_request& req,
                                              domains::rejection& why) {
  list_request out;
  if (auto limit = req.query_param("limit");
      limit && !parse_limit(*limit, out.limit)) {
    why = {"invalid_input", "limit must be an integer from 1 to 100"};
    return std::nullopt;
  }
  if (auto cursor = req.query_param("cursor")) {
    if (!valid_cursor(*cursor)) {
      why = {"invalid_input", "cursor is malformed"};
      return std::nullopt;
    }
    out.cursor = *cursor;
  }
  auto token = read_consistency_token(req, why);
  if (!token)
    return std::nullopt;
  out.min_position = std::move(*token);
  return out;
}

api_response list_response(nlohmann::json items,
                           const std::optional<std::string>& next_cursor,
                           bool stale) {
  nlohmann::json body{{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (next_cursor)
    body["next_cursor"] = *next_cursor;
  api_response res{
      boost::beast::http::status::ok, domains::dump_json(body), {}};
  if (stale)
    res.headers.emplace_back("X-Consistency", "stale");
  return res;
}

} // namespace mall::net
