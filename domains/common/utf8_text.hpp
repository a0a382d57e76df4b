// Unicode-aware helpers for the text fields of commands: API.md bounds are
// counted in characters (code points), not bytes, and strings are trimmed.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace mall::domains {

/// Returns the number of code points of `text`, or std::nullopt when it is
/// not well-formed UTF-8 (overlong forms, surrogates and values above
/// U+10FFFF included).
std::optional<std::size_t> utf8_length(std::string_view text);

/// Returns `text` without leading and trailing Unicode white space (ASCII
/// blanks, NBSP, the U+2000 spaces, ideographic space, ...). `text` must be
/// well-formed UTF-8.
std::string_view trim_unicode_space(std::string_view text);

} // namespace mall::domains
