#include "actors/shard_directory.hpp"

namespace mall::actors {

caf::actor shard_directory::get(size_t index) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return shards_[index];
}

void shard_directory::set(size_t index, caf::actor shard) {
  std::lock_guard<std::mutex> guard{mtx_};
  shards_[index] = std::move(shard);
}

} // namespace mall::actors
