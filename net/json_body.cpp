#include "net/json_body.hpp"

#include "domains/common/json_text.hpp"

#include <algorithm>
#include <cctype>

namespace mall::net {

namespace {

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return s;
}

std::optional<nlohmann::json> refuse(domains::rejection& why, const char* code,
                                     const char* message) {
  why = domains::rejection{code, message};
  return std::nullopt;
}

} // namespace

bool is_json_media_type(std::string_view content_type) {
  auto media = trim(content_type.substr(0, content_type.find(';')));
  static constexpr std::string_view json = "application/json";
  return media.size() == json.size() &&
         std::equal(media.begin(), media.end(), json.begin(),
                    [](char a, char b) {
                      return std::tolower(static_cast<unsigned char>(a)) == b;
                    });
}

std::optional<nlohmann::json> read_json_object(const api_request& req,
                                               domains::rejection& why) {
  const auto& body = req.raw.body();
  if (!body.empty() && !is_json_media_type(req.header("Content-Type")))
    return refuse(why, "unsupported_media_type",
                  "Content-Type must be application/json");
  if (body.empty())
    return refuse(why, "invalid_json", "the request needs a JSON object body");
  auto parsed = domains::try_parse_json(body);
  if (parsed.is_discarded())
    return refuse(why, "invalid_json", "the body is not valid JSON");
  if (!parsed.is_object())
    return refuse(why, "invalid_json", "the body must be a JSON object");
  if (parsed.contains("type"))
    return refuse(why, "invalid_input", "type: unknown field");
  return parsed;
}

} // namespace mall::net
