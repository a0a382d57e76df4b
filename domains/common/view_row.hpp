// A row of a read model as the pure projection folds see it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

namespace mall::domains {

/// One document of a read model under a key.
struct view_row {
  std::string key;
  /// The user whose row it is; empty for public rows.
  std::string owner;
  /// Lists are newest first by (`sort_key`, `key`); digits only, fixed width.
  std::string sort_key;
  nlohmann::json doc;
};

/// The document's top-level `status` string, or empty when it has none.
inline std::string status_of(const nlohmann::json& doc) {
  auto it = doc.find("status");
  return it != doc.end() && it->is_string() ? it->get<std::string>()
                                            : std::string{};
}

/// A sort key from a journal offset: fixed width so text order = number order.
inline std::string sort_key_of(int64_t offset) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%020lld", static_cast<long long>(offset));
  return buf;
}

} // namespace mall::domains
