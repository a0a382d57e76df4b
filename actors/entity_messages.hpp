// Messages between the gateway, routers, shards and entity actors. They carry
// JSON text rather than C++ domain types so that the runtime stays generic
// and every message can cross node boundaries unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "caf/meta/type_name.hpp"

namespace mall::actors {

/// A command (or query) for one entity, addressed by type and id.
struct entity_command {
  /// Aggregate type name, e.g. "product".
  std::string type;
  /// Entity id within its type.
  std::string id;
  /// The command as the domain's JSON codec reads it: {"type": "...", ...}.
  std::string body;
  /// Trace id of the originating request, for log lines on every node.
  std::string trace_id;
  /// False for callers that read only the outcome (policies): a successful
  /// command then answers without `body`, and the entity skips encoding
  /// its state for it.
  bool wants_body = true;
  /// Set by callers whose command normally starts the entity's life (a new
  /// order under an id just drawn, the delivery of a placed order): a shard
  /// that does not hold the entity starts it empty instead of reading the
  /// journal. Should events exist after all (a saga's command sent again),
  /// the append conflicts on seq_nr 1 and the entity stops unanswered; its
  /// shard reads the journal and sends the command again, so the caller
  /// never sees the guess. Only for commands that write on an empty state
  /// or whose refusal does not depend on it: an entity started this way
  /// stops after an answer that wrote nothing, since only a commit proves
  /// the guess.
  bool expect_new = false;
};

/// The bodies of the runtime's two reads as callers send them: an entity
/// recognizes these texts without parsing them.
inline constexpr std::string_view get_body = R"({"type":"get"})";
inline constexpr std::string_view await_body = R"({"type":"await"})";

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, entity_command& x) {
  return f(caf::meta::type_name("entity_command"), x.type, x.id, x.body,
           x.trace_id, x.wants_body, x.expect_new);
}

/// The entity's answer. `error_code` is empty on success; otherwise one of
/// API.md's error codes (`not_found`, `invalid_input`, `unavailable`, ...).
struct entity_reply {
  std::string error_code;
  std::string error_message;
  /// Reply body as JSON text (success only).
  std::string body;
  /// Journal position of the entity's last event, "tx.offset": the one
  /// this command wrote, or for a command that wrote nothing (a read, an
  /// idempotent repeat) the last one before it. Empty only for an entity
  /// that never wrote an event. Becomes the consistency token.
  std::string position;
  /// Whether this command wrote events (e.g. 201 versus an idempotent 200).
  bool wrote = false;

  bool ok() const noexcept { return error_code.empty(); }
};

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, entity_reply& x) {
  return f(caf::meta::type_name("entity_reply"), x.error_code, x.error_message,
           x.body, x.position, x.wrote);
}

} // namespace mall::actors
