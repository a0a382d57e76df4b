// JSON text to documents and back, faster than nlohmann's own reader and
// writer: RapidJSON reads and writes the text, the documents stay
// nlohmann::json. All production code goes through here rather than
// nlohmann's `parse` and `dump`: every event, command, reply and view row of
// a request is read or written several times, and nlohmann's
// character-at-a-time lexer and serializer took 16 % of the node's CPU
// (bench/RESULTS.md, session 6).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mall::domains {

/// Why a text is not JSON: what RapidJSON found and at which byte.
struct json_text_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The document in `text`: exactly one JSON value (RFC 8259) with optional
/// whitespace around it (and a byte order mark before), strings valid UTF-8.
/// Duplicate keys keep the last value; integers that fit become integers
/// (non-negative ones unsigned, as nlohmann reads them), other numbers doubles.
/// Nesting depth is bounded only by memory: the reader keeps its own stack.
/// Throws `json_text_error` otherwise, also for a NUL byte anywhere (where
/// nlohmann stops reading and takes what came before).
nlohmann::json parse_json(std::string_view text);

/// Like `parse_json`, but a discarded value (`is_discarded()`) instead of an
/// exception, as nlohmann's `parse(text, nullptr, false)` answers.
nlohmann::json try_parse_json(std::string_view text);

/// The compact text of `doc` (no spaces, keys in the document's order), as
/// nlohmann's `dump()` writes it, but for doubles with an exponent (`1e29`,
/// not `1e+29`: the same value) and control characters in upper-case hex
/// (`\u001F`). Throws `json_text_error` when a string in it is not valid
/// UTF-8.
std::string dump_json(const nlohmann::json& doc);

} // namespace mall::domains
