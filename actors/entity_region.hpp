// The supervisor of this node's shards.
#pragma once

#include "actors/entity_shard.hpp"
#include "actors/shard_directory.hpp"

#include <memory>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"

namespace mall::actors {

/// Spawns the region: it links to the already running `shards` (index i of
/// `directory`), restarts a crashed shard (after the backoff of its
/// `restart_policy`; a shard is never given up, a node without one is
/// useless) and publishes the new one in `directory`. A restarted shard
/// starts empty: its entities died with it (they are linked to it) and come
/// back from the journal on their next command.
///
/// Messages: `tree_request` -> calls `done` with `{name: "region", kind,
/// status, restarts, children: [shard subtrees, then watched subtrees]}`;
/// `(watch_atom, name, kind, actor)` adds a watched actor (a consumer, a
/// policy) whose `describe_atom` answer joins the tree (status "down" when
/// it does not answer; a new actor under the same name replaces the old);
/// `(crash_atom, index)` crashes a shard; `(reset_atom, index)` replaces
/// it by an empty one. An exit message from anyone else
/// stops the region and, through the links, everything below it.
caf::actor spawn_entity_region(caf::actor_system& sys,
                               std::vector<caf::actor> shards,
                               std::shared_ptr<shard_directory> directory,
                               shard_config prototype);

} // namespace mall::actors
