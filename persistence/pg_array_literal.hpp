// PostgreSQL array literals, to pass many values as one query parameter
// (`$1::text[]`, then `unnest`) since libpqxx 6 cannot bind arrays.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mall::persistence {

/// The text form of a `text[]` holding `values`, e.g. `{"a","b\"c"}`. Every
/// element is quoted, so commas, braces, spaces, the word NULL and non-ASCII
/// text arrive unchanged. Values must not contain NUL, which PostgreSQL text
/// cannot hold.
std::string pg_array_literal(const std::vector<std::string>& values);

/// The text form of a `bigint[]` holding `values`, e.g. `{1,-2,3}`.
std::string pg_array_literal(const std::vector<int64_t>& values);

} // namespace mall::persistence
