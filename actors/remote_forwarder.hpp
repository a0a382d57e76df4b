// Sends commands to the node that serves their shard.
#pragma once

#include "actors/shard_directory.hpp"
#include "actors/shard_routes.hpp"

#include <chrono>
#include <memory>
#include <string>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"

namespace mall::actors {

/// What a forwarder needs.
struct remote_forwarder_config {
  std::shared_ptr<shard_routes> routes;
  std::shared_ptr<shard_directory> directory;
  /// This node's id: a route naming it (a shard being handed off from
  /// here) means "wait", never "send to self".
  std::string node_id;
  /// How often parked commands try again.
  std::chrono::milliseconds retry_interval{10};
  /// How long to wait before connecting again to a node that refused.
  std::chrono::milliseconds reconnect_delay{200};
};

/// Spawns the forwarder of a clustered `entity_router`. It takes
/// `forward_request`s and, for each, until its deadline:
/// - runs it on the local shard actor if its shard is served here by now;
/// - sends it to the cluster endpoint of the shard's owner (connecting
///   through the middleman on first use, watching the connection);
/// - parks it while the shard has no owner, is handed off, or its owner's
///   node is unreachable, and tries again every `retry_interval`; an owner
///   that answers `moved_code` parks it too.
///
/// `(connect_atom, std::vector<std::string> addresses)` connects to the
/// endpoints at `addresses` (host:port) ahead of any command, so that the
/// middleman's heartbeats watch every peer and the first command pays no
/// connect.
///
/// A command is sent to another node at most once: if that node fails
/// while the command is in flight (it may have run it), the answer is
/// `unavailable`, never a second delivery.
caf::actor spawn_remote_forwarder(caf::actor_system& sys,
                                  remote_forwarder_config cfg);

} // namespace mall::actors
