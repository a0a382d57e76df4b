// The actor through which other nodes run commands on this node's shards.
#pragma once

#include "actors/shard_directory.hpp"
#include "actors/shard_routes.hpp"

#include <memory>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"

namespace mall::actors {

/// Spawns the endpoint the node publishes on its cluster port. It handles
/// `(remote_ask_atom, entity_command, timeout_ms)` -> `entity_reply`: a
/// command whose shard `routes` serves here runs on the local shard actor
/// (counted in the routes, so a handoff waits for it); any other is
/// answered `moved_code` at once, so the sender retries at the new owner
/// and nothing runs on a node that no longer owns it.
caf::actor spawn_cluster_endpoint(caf::actor_system& sys,
                                  std::shared_ptr<shard_routes> routes,
                                  std::shared_ptr<shard_directory> directory);

} // namespace mall::actors
