// Where each shard of this node currently lives.
#pragma once

#include <mutex>
#include <vector>

#include "caf/actor.hpp"

namespace mall::actors {

/// The current actor of every shard, by index. The region updates an entry
/// when it restarts a shard; `entity_router::ask` reads it from any thread.
class shard_directory {
public:
  explicit shard_directory(size_t shard_count) : shards_(shard_count) {
    // nop
  }

  size_t size() const noexcept { return shards_.size(); }

  caf::actor get(size_t index) const;

  void set(size_t index, caf::actor shard);

private:
  mutable std::mutex mtx_;
  std::vector<caf::actor> shards_;
};

} // namespace mall::actors
