// JSON text to documents and back, faster than nlohmann's own reader and
// writer: RapidJSON reads and writes the text, the documents stay
// nlohmann::json. All production code goes through here rather than
// nlohmann's `parse` and `dump`: every event, command, reply and view row of
// a request is read or written several times, and nlohmann's
// character-at-a-time lexer and serializer took 16 % of the node's CPU
// (bench/RESULTS.md, session 6).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mall::domains {

/// Why a text is not JSON: what RapidJSON found and at which byte.
struct json_text_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// How deep `parse_json` lets arrays and objects nest. Writing, copying and
/// comparing documents recurse, so a deeper one (a 1 MiB request body can
/// nest half a million levels) would overflow a thread's stack.
inline constexpr size_t max_json_depth = 512;

/// The document in `text`: exactly one JSON value (RFC 8259) with optional
/// whitespace around it (and a byte order mark before), as nlohmann reads
/// it: strings valid UTF-8 without lone surrogates, duplicate keys keeping
/// the last value, integers that fit becoming integers (non-negative ones
/// unsigned), other numbers the nearest double, numbers beyond a double's
/// range refused. Throws `json_text_error` otherwise. Three differences,
/// all refusals nlohmann would not make: nesting deeper than
/// `max_json_depth`; a NUL byte anywhere (nlohmann ignores what follows a
/// complete value); a number whose exponent or digits alone leave a
/// double's range although the whole does not (`0e400`, 310 digits and
/// `e-300`).
nlohmann::json parse_json(std::string_view text);

/// Like `parse_json`, but a discarded value (`is_discarded()`) instead of an
/// exception, as nlohmann's `parse(text, nullptr, false)` answers.
nlohmann::json try_parse_json(std::string_view text);

/// The compact text of `doc` (no spaces, keys in the document's order), as
/// nlohmann's `dump()` writes it, but for two spellings of the same thing:
/// doubles in RapidJSON's shortest form that reads back to the same bits
/// (`1e15` as `1000000000000000.0`, `1e-7` as `1e-7`, where nlohmann writes
/// `1e+15` and `1e-07`), control characters in upper-case hex (`\u001F`).
/// Throws `json_text_error` when a string in it is not valid UTF-8 or it
/// nests deeper than `max_json_depth` (it would not read back).
std::string dump_json(const nlohmann::json& doc);

} // namespace mall::domains
