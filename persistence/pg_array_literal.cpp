#include "persistence/pg_array_literal.hpp"

namespace mall::persistence {

std::string pg_array_literal(const std::vector<std::string>& values) {
  std::string result = "{";
  for (auto& value : values) {
    if (result.size() > 1)
      result += ',';
    result += '"';
    // Inside double quotes only the quote and the backslash are special.
    for (auto c : value) {
      if (c == '"' || c == '\\')
        result += '\\';
      result += c;
    }
    result += '"';
  }
  result += '}';
  return result;
}

std::string pg_array_literal(const std::vector<int64_t>& values) {
  std::string result = "{";
  for (auto value : values) {
    if (result.size() > 1)
      result += ',';
    result += std::to_string(value);
  }
  result += '}';
  return result;
}

} // namespace mall::persistence
