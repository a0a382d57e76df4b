// The supervisor of the entities of one shard.
#pragma once

#include "actors/entity_environment.hpp"
#include "actors/entity_registry.hpp"

#include <cstddef>
#include <memory>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"
#include "caf/local_actor.hpp"

namespace mall::actors {

/// What a shard needs to host entities.
struct shard_config {
  size_t index = 0;
  std::shared_ptr<const entity_registry> registry;
  std::shared_ptr<const entity_environment> env;
  /// Receives an `entity_escalation` when an entity exhausts its restart
  /// budget (may be null: the shard then only logs it).
  caf::actor escalation;
};

/// Spawns a shard: a supervisor actor that owns the entities of one hash
/// bucket, of any registered type.
///
/// Messages it handles:
/// - `entity_command` (request) -> `entity_reply`; and the local
///   `ask_request`, answered through its `reply_guard` (or `unavailable`
///   at its deadline). An unknown type is answered `not_found`.
/// - `(crash_atom)` throws in the shard itself;
///   `(crash_atom, type, id)` -> bool crashes one active entity (chaos).
/// - `(describe_atom)` -> JSON text `{name, kind, status, restarts,
///   entities, children: [{name, kind, status, restarts, backoff_ms,
///   last_error}]}`.
///
/// Starting: an entity starts on its first command. The shard first asks the
/// journal for what it recovers from (`journal::recover`, merged with the
/// reads of other starting entities), holding its commands meanwhile, then
/// spawns it linked to itself; a failed read counts as a crash.
///
/// Supervision (one-for-one; a crash never touches sibling entities): when
/// an entity crashes, the shard restarts it from the journal after the backoff
/// of its `restart_policy`, holding new commands for it meanwhile (at most
/// `max_queued_per_entity`, beyond that `unavailable`). Commands that were
/// unanswered in the dead entity's mailbox are sent again to the new one;
/// the oldest of them is blamed, and a command blamed twice is answered
/// `unavailable`, so a poison command cannot loop. (An entity decides the
/// commands queued behind a commit as one batch, so the oldest may be an
/// innocent neighbour of the poison command; it is decided alone when the
/// entity comes back, so it is blamed at most once.) Entities refuse chaos
/// crashes while an append is in flight, so re-sending is at-least-once only
/// for a command whose own decision crashed after earlier commits. An
/// entity stopped by the journal (a conflict, a failed append or read)
/// restarts with a doubling backoff without blaming anyone or spending its
/// budget. Once the budget is spent the
/// entity is failed: its commands are answered `unavailable` until the
/// window has passed, and `entity_escalation` goes to `escalation`.
///
/// Passivation: the shard sees every command, so it also tracks idleness
/// (no per-entity timer): an entity idle for `passivation_idle` with nothing
/// in flight gets `passivate_atom`; commands arriving until it has stopped
/// are held and start it again.
caf::actor spawn_entity_shard(caf::actor_system& sys, shard_config cfg);

/// As above, linked to `parent` (its region).
caf::actor spawn_linked_entity_shard(caf::local_actor* parent,
                                     shard_config cfg);

} // namespace mall::actors
