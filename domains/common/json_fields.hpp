// Strict readers for the JSON bodies of commands and requests. Every codec
// validates through them so that API.md's rules hold everywhere alike:
// objects only, no unknown fields, trimmed non-blank strings bounded in
// Unicode characters, integers only and within bounds.
#pragma once

#include "domains/common/decision.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mall::domains {

/// Inclusive length bounds of a text field, in Unicode characters.
struct text_bounds {
  std::size_t min;
  std::size_t max;
};

/// Inclusive bounds of an integer field.
struct integer_bounds {
  int64_t min;
  int64_t max;
};

/// Reads the fields of one JSON object. The first problem found becomes the
/// rejection (`invalid_json` for a non-object, `invalid_input` naming the
/// field otherwise); reads after it return empty values, so a codec reads
/// all its fields and checks once at the end with `result`.
class json_fields {
public:
  using key_list = std::initializer_list<const char*>;

  /// Opens a command: keys from `allowed` and the command tag "type".
  static json_fields of_command(const nlohmann::json& body, key_list allowed);

  /// Opens a client's request body: keys from `allowed` only.
  static json_fields of_request(const nlohmann::json& body, key_list allowed);

  // The readers keep a reference to the body: it must outlive them.
  static json_fields of_command(const nlohmann::json&&, key_list) = delete;
  static json_fields of_request(const nlohmann::json&&, key_list) = delete;

  // -- required fields --------------------------------------------------------

  /// A string, trimmed, non-blank, of `bounds` characters after trimming.
  std::string text(const char* key, text_bounds bounds);

  /// A string kept as sent (passwords), non-blank, of `bounds` characters.
  std::string untrimmed_text(const char* key, text_bounds bounds);

  /// A JSON integer (not `1.5`, `3.0`, `"3"`, `true` or `null`) in `bounds`.
  int64_t integer(const char* key, integer_bounds bounds);

  // -- optional fields: absent is std::nullopt, `null` is an error ------------

  std::optional<std::string> optional_text(const char* key, text_bounds bounds);

  std::optional<int64_t> optional_integer(const char* key,
                                          integer_bounds bounds);

  // -- outcome ----------------------------------------------------------------

  bool contains(const char* key) const;

  /// Records `"<key>: <what>"` unless a rejection is recorded already; for
  /// rules only the codec knows (an alphabet, a pair of fields).
  void fail(const char* key, const std::string& what);

  bool ok() const noexcept { return !error_.has_value(); }

  const std::optional<rejection>& error() const noexcept { return error_; }

  /// Returns `value` when every read succeeded; otherwise fills `why`.
  template<class T> std::optional<T> result(T value, rejection& why) const {
    if (error_) {
      why = *error_;
      return std::nullopt;
    }
    return value;
  }

private:
  json_fields(const nlohmann::json& body, key_list allowed, bool command);

  std::optional<std::string> read_text(const char* key, text_bounds bounds,
                                       bool trim);

  std::optional<int64_t> read_integer(const char* key, integer_bounds bounds);

  const nlohmann::json& body_;
  std::optional<rejection> error_;
};

// -- the command tag ---------------------------------------------------------

/// Reads the tag of a command body: `invalid_json` unless it is an object,
/// `invalid_input` unless it has a string "type". Codecs then check that the
/// tag names one of their commands.
std::optional<std::string> command_type(const nlohmann::json& body,
                                        rejection& why);

} // namespace mall::domains
