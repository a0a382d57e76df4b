// Messages the runtime's actors exchange besides entity_command/entity_reply.
#pragma once

#include "actors/entity_messages.hpp"
#include "actors/reply_guard.hpp"
#include "persistence/journal.hpp"

#include <cstdint>
#include <memory>
#include <string>

#include "caf/actor_clock.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/atom.hpp"
#include "caf/meta/type_name.hpp"

namespace mall::actors {

// -- atoms --------------------------------------------------------------------

/// Chaos: the receiving entity, shard or consumer throws inside its handler.
using crash_atom = caf::atom_constant<caf::atom("crash")>;
/// Shard -> idle entity: stop now, normally.
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
/// Journal callback -> entity: the outcome of its pending append.
using committed_atom = caf::atom_constant<caf::atom("committed")>;
/// Journal callback -> entity: what it recovers from.
using recovered_atom = caf::atom_constant<caf::atom("recovered")>;
/// Delayed self-message of a supervisor: start a crashed child again.
using restart_atom = caf::atom_constant<caf::atom("restart")>;
/// Periodic self-message of a shard (idle entities, expired asks).
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// `(reset_atom, index)` -> region: replace shard `index` by a new, empty
/// one (its entities stop); used when this node stops serving the shard, so
/// that it never keeps state another node may change meanwhile.
using reset_atom = caf::atom_constant<caf::atom("reset")>;
/// Asks a shard or region for its supervision subtree as JSON text.
using describe_atom = caf::atom_constant<caf::atom("describe")>;
/// `(watch_atom, name, kind, actor)` -> region: list `actor` (which answers
/// `describe_atom`) in the supervision tree.
using watch_atom = caf::atom_constant<caf::atom("watch")>;
/// Journal push -> consumer: new events were committed.
using wake_atom = caf::atom_constant<caf::atom("wake")>;
/// Timer -> consumer: read even without a push.
using poll_atom = caf::atom_constant<caf::atom("poll")>;
/// Operator or test -> consumer: `(rewind_atom, tx, offset)` -> bool moves
/// its durable offset back so that later events are delivered again.
using rewind_atom = caf::atom_constant<caf::atom("rewind")>;

// -- local messages -----------------------------------------------------------

/// A command from `entity_router::ask` (same process only): the shard answers
/// through `reply`, or with `unavailable` once `deadline` has passed.
struct ask_request {
  entity_command cmd;
  caf::actor_clock::time_point deadline;
  std::shared_ptr<reply_guard> reply;
  /// Kept by the shard for as long as the command is in its books (until
  /// its entity answered, after any deadline), then dropped: whoever needs
  /// to know when a command has really left the shard holds its other end.
  std::shared_ptr<void> held;
};

/// Asks a region for the supervision tree; `done` receives its JSON text.
struct tree_request {
  std::function<void(std::string)> done;
};

// -- notifications ------------------------------------------------------------

/// Shard -> escalation handler: an entity crashed more often than its
/// restart budget allows. It stays failed (commands are answered
/// `unavailable`) until the budget window has passed; the handler decides
/// whether anything more drastic is needed (alerting, stopping the node).
struct entity_escalation {
  std::string type;
  std::string id;
  /// Restarts within the budget window when the budget ran out.
  uint64_t restarts = 0;
  /// The last crash reason, rendered.
  std::string reason;
};

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, entity_escalation& x) {
  return f(caf::meta::type_name("entity_escalation"), x.type, x.id, x.restarts,
           x.reason);
}

} // namespace mall::actors

// Local-only messages: they carry callbacks or journal results and never
// cross a node boundary.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mall::actors::ask_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mall::actors::tree_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mall::persistence::append_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mall::persistence::recovery_record)
