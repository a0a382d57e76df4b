// Messages of the cluster layer: commands forwarded to the node that owns
// their shard.
#pragma once

#include "actors/entity_messages.hpp"
#include "actors/reply_guard.hpp"

#include <cstddef>
#include <memory>

#include "caf/actor_clock.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/atom.hpp"

namespace mall::actors {

/// `(remote_ask_atom, entity_command, timeout_ms)` -> `entity_reply`, sent
/// to a node's cluster endpoint: run this command on its shard here.
using remote_ask_atom = caf::atom_constant<caf::atom("rask")>;

/// The `entity_reply::error_code` of an endpoint whose node does not serve
/// the command's shard (any more, or not yet): the sender tries again once
/// its routes name the new owner. Never reaches a client.
constexpr const char* moved_code = "moved";

/// Router -> forwarder (same process only): deliver `cmd` to the owner of
/// `shard` before `deadline`, answering through `reply`.
struct forward_request {
  entity_command cmd;
  caf::actor_clock::time_point deadline;
  std::shared_ptr<reply_guard> reply;
  size_t shard = 0;
};

} // namespace mall::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mall::actors::forward_request)
