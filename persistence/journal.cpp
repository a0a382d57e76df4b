#include "persistence/journal.hpp"

#include <charconv>

namespace mall::persistence {

std::string journal_position::to_string() const {
  return std::to_string(tx) + "." + std::to_string(offset);
}

std::optional<journal_position>
journal_position::parse(const std::string& text) {
  auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size())
    return std::nullopt;
  journal_position result;
  auto first = text.data();
  auto mid = first + dot;
  auto last = first + text.size();
  auto [p1, e1] = std::from_chars(first, mid, result.tx);
  auto [p2, e2] = std::from_chars(mid + 1, last, result.offset);
  if (e1 != std::errc{} || p1 != mid || e2 != std::errc{} || p2 != last ||
      result.tx < 0 || result.offset < 0)
    return std::nullopt;
  return result;
}

} // namespace mall::persistence
