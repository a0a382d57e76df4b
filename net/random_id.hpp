// Server-generated identifiers from a cryptographic random source.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mall::net {

/// `bytes` random bytes as lower-case hex (2 * bytes characters).
std::string random_hex(std::size_t bytes);

/// `prefix` followed by 16 random hex digits, e.g. "p_3f9c0e1a2b4d5c6e".
std::string random_id(std::string_view prefix);

/// Whether `id` looks like `random_id(prefix)` produced it.
bool is_random_id(std::string_view id, std::string_view prefix);

} // namespace mall::net
