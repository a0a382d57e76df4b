#include "actors/entity_registry.hpp"

#include <algorithm>

namespace mall::actors {

void entity_registry::add(std::string type, entity_spawner spawner) {
  spawners_[std::move(type)] = spawner;
}

entity_spawner entity_registry::find(const std::string& type) const {
  auto i = spawners_.find(type);
  return i == spawners_.end() ? nullptr : i->second;
}

std::vector<std::string> entity_registry::types() const {
  std::vector<std::string> result;
  for (auto& [name, spawner] : spawners_)
    result.push_back(name);
  std::sort(result.begin(), result.end());
  return result;
}

} // namespace mall::actors
