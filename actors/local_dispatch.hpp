// Sending a command to a shard actor of this node that the routes count.
#pragma once

#include "actors/runtime_messages.hpp"
#include "actors/shard_directory.hpp"
#include "actors/shard_routes.hpp"

#include <cstddef>
#include <memory>

namespace mall::actors {

/// Sends `req` to local shard `index` after `routes->enter_local(index)`
/// returned true. The count is left exactly once, when the command leaves
/// the shard's books: after its entity answered (which is after its commit,
/// even if the ask's deadline answered the caller long before), or when
/// the command is lost. A handoff that waits for the count therefore never
/// releases a shard while one of its commands can still write.
void dispatch_local(const shard_directory& directory,
                    std::shared_ptr<shard_routes> routes, size_t index,
                    ask_request req);

} // namespace mall::actors
