#include "domains/common/json_fields.hpp"

#include "domains/common/utf8_text.hpp"

#include <algorithm>

namespace mall::domains {

namespace {

constexpr const char* command_tag = "type";

std::string field_error(const char* key, const std::string& what) {
  return std::string{key} + ": " + what;
}

std::string characters(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " character" : " characters");
}

} // namespace

json_fields json_fields::of_command(const nlohmann::json& body,
                                    key_list allowed) {
  return json_fields{body, allowed, true};
}

json_fields json_fields::of_request(const nlohmann::json& body,
                                    key_list allowed) {
  return json_fields{body, allowed, false};
}

json_fields::json_fields(const nlohmann::json& body, key_list allowed,
                         bool command)
    : body_(body) {
  if (!body.is_object()) {
    error_ = rejection{"invalid_json", "body: must be a JSON object"};
    return;
  }
  for (const auto& [key, value] : body.items()) {
    auto known = std::any_of(allowed.begin(), allowed.end(),
                             [&](const char* k) { return key == k; });
    if (!known && !(command && key == command_tag)) {
      fail(key.c_str(), "unknown field");
      return;
    }
  }
}

bool json_fields::contains(const char* key) const {
  return body_.is_object() && body_.contains(key);
}

void json_fields::fail(const char* key, const std::string& what) {
  if (!error_)
    error_ = rejection{"invalid_input", field_error(key, what)};
}

std::string json_fields::text(const char* key, text_bounds bounds) {
  if (ok() && !contains(key))
    fail(key, "is required");
  return read_text(key, bounds, true).value_or(std::string{});
}

std::string json_fields::untrimmed_text(const char* key, text_bounds bounds) {
  if (ok() && !contains(key))
    fail(key, "is required");
  return read_text(key, bounds, false).value_or(std::string{});
}

int64_t json_fields::integer(const char* key, integer_bounds bounds) {
  if (ok() && !contains(key))
    fail(key, "is required");
  return read_integer(key, bounds).value_or(0);
}

std::optional<std::string> json_fields::optional_text(const char* key,
                                                      text_bounds bounds) {
  return read_text(key, bounds, true);
}

std::optional<int64_t> json_fields::optional_integer(const char* key,
                                                     integer_bounds bounds) {
  return read_integer(key, bounds);
}

std::optional<std::string>
json_fields::read_text(const char* key, text_bounds bounds, bool trim) {
  if (!ok() || !contains(key))
    return std::nullopt;
  const auto& value = body_.at(key);
  if (!value.is_string()) {
    fail(key, "must be a string");
    return std::nullopt;
  }
  const auto& raw = value.get_ref<const std::string&>();
  if (!utf8_length(raw)) {
    fail(key, "must be valid UTF-8");
    return std::nullopt;
  }
  // PostgreSQL cannot store U+0000 in JSON documents.
  if (raw.find('\0') != std::string::npos) {
    fail(key, "must not contain NUL characters");
    return std::nullopt;
  }
  auto trimmed = trim_unicode_space(raw);
  if (trimmed.empty()) {
    fail(key, "must not be blank");
    return std::nullopt;
  }
  auto kept = trim ? trimmed : std::string_view{raw};
  auto length = *utf8_length(kept);
  if (length < bounds.min) {
    fail(key, "must be at least " + characters(bounds.min));
    return std::nullopt;
  }
  if (length > bounds.max) {
    fail(key, "must be at most " + characters(bounds.max));
    return std::nullopt;
  }
  return std::string{kept};
}

std::optional<int64_t> json_fields::read_integer(const char* key,
                                                 integer_bounds bounds) {
  if (!ok() || !contains(key))
    return std::nullopt;
  const auto& value = body_.at(key);
  auto out_of_range = [&] {
    fail(key, "must be between " + std::to_string(bounds.min) + " and " +
                  std::to_string(bounds.max));
    return std::nullopt;
  };
  // Floats are refused even when integral (`3.0`): the API takes integers.
  if (!value.is_number_integer()) {
    fail(key, "must be an integer");
    return std::nullopt;
  }
  // Non-negative numbers arrive unsigned and may exceed int64_t.
  if (value.is_number_unsigned() &&
      (bounds.max < 0 ||
       value.get<uint64_t>() > static_cast<uint64_t>(bounds.max)))
    return out_of_range();
  auto n = value.get<int64_t>();
  if (n < bounds.min || n > bounds.max)
    return out_of_range();
  return n;
}

std::optional<std::string> command_type(const nlohmann::json& body,
                                        rejection& why) {
  if (!body.is_object()) {
    why = rejection{"invalid_json", "body: must be a JSON object"};
    return std::nullopt;
  }
  auto i = body.find(command_tag);
  if (i == body.end() || !i->is_string()) {
    why = rejection{"invalid_input",
                    field_error(command_tag, i == body.end()
                                                 ? "is required"
                                                 : "must be a string")};
    return std::nullopt;
  }
  return i->get<std::string>();
}

} // namespace mall::domains
