#include "actors/shard_allocation.hpp"

#include <algorithm>
#include <stdexcept>

namespace mall::actors {

uint64_t stable_hash(std::string_view bytes) noexcept {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t mix64(uint64_t x) noexcept {
  uint64_t z = x + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t rendezvous_weight(size_t shard, uint64_t node_hash) noexcept {
  // Mixing the shard first keeps neighbouring shards uncorrelated, mixing
  // again makes every bit of both inputs matter for the comparison.
  return mix64(node_hash ^ mix64(static_cast<uint64_t>(shard)));
}

shard_allocation::shard_allocation(size_t shard_count,
                                   std::vector<std::string> owners)
    : owners_(std::move(owners)), owner_of_(shard_count) {
  std::sort(owners_.begin(), owners_.end());
  owners_.erase(std::unique(owners_.begin(), owners_.end()), owners_.end());
  if (owners_.empty())
    return;
  std::vector<uint64_t> hashes;
  hashes.reserve(owners_.size());
  for (auto& id : owners_)
    hashes.push_back(stable_hash(id));
  for (size_t shard = 0; shard < shard_count; ++shard) {
    // Owners are sorted and only a strictly higher weight wins, so a tie
    // goes to the smaller id on every node.
    size_t best = 0;
    auto best_weight = rendezvous_weight(shard, hashes[0]);
    for (size_t i = 1; i < hashes.size(); ++i) {
      auto w = rendezvous_weight(shard, hashes[i]);
      if (w > best_weight) {
        best = i;
        best_weight = w;
      }
    }
    owner_of_[shard] = owners_[best];
  }
}

std::map<std::string, size_t> shard_allocation::load() const {
  std::map<std::string, size_t> result;
  for (auto& id : owners_)
    result[id] = 0;
  for (auto& id : owner_of_)
    if (!id.empty())
      ++result[id];
  return result;
}

std::vector<shard_move>
shard_allocation::moves_from(const shard_allocation& before) const {
  if (before.shard_count() != shard_count())
    throw std::invalid_argument("allocations differ in shard count");
  std::vector<shard_move> result;
  for (size_t shard = 0; shard < shard_count(); ++shard)
    if (before.owner_of_[shard] != owner_of_[shard])
      result.push_back({shard, before.owner_of_[shard], owner_of_[shard]});
  return result;
}

} // namespace mall::actors
