// Which node owns which shard: rendezvous hashing over the eligible members.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mall::actors {

// -- stable hashing -----------------------------------------------------------

/// FNV-1a (64 bit) over the bytes of `bytes`: identical on every node,
/// process and build, unlike `std::hash`.
uint64_t stable_hash(std::string_view bytes) noexcept;

/// The splitmix64 output function: spreads every input bit over the result.
uint64_t mix64(uint64_t x) noexcept;

/// The rendezvous weight of `shard` on the node whose id hashes to
/// `node_hash` (`stable_hash(node_id)`).
uint64_t rendezvous_weight(size_t shard, uint64_t node_hash) noexcept;

// -- allocation ---------------------------------------------------------------

/// One shard changing owner between two allocations. An empty `from` or
/// `to` means "no owner" (no member could own shards).
struct shard_move {
  size_t shard;
  std::string from;
  std::string to;
};

/// Shard -> owner node id by rendezvous (highest random weight) hashing:
/// each shard goes to the member with the highest `rendezvous_weight`,
/// ties to the smaller node id. It depends only on the shard count and the
/// *set* of owners (not their order), so every node computes the same
/// allocation from the same membership; a join moves only shards to the
/// newcomer (about S/(N+1)), a leave only the leaver's shards.
class shard_allocation {
public:
  /// `owners`: the members that may own shards (see `eligible_owners`);
  /// duplicates are ignored. With no owners every shard has owner "".
  shard_allocation(size_t shard_count, std::vector<std::string> owners);

  size_t shard_count() const noexcept { return owner_of_.size(); }

  /// The owner of `shard` ("" if there are no owners).
  const std::string& owner(size_t shard) const { return owner_of_.at(shard); }

  /// The sorted, duplicate-free owners this allocation was computed from.
  const std::vector<std::string>& owners() const noexcept { return owners_; }

  /// Shards per owner (owners without shards included, with 0).
  std::map<std::string, size_t> load() const;

  /// The shards whose owner differs from `before`, in shard order. Both
  /// allocations must have the same shard count.
  std::vector<shard_move> moves_from(const shard_allocation& before) const;

private:
  std::vector<std::string> owners_;
  std::vector<std::string> owner_of_;
};

} // namespace mall::actors
