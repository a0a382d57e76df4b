// The entity actor: one live instance of one aggregate, event-sourced.
#pragma once

#include "actors/entity_environment.hpp"
#include "actors/entity_messages.hpp"
#include "actors/runtime_messages.hpp"
#include "domains/common/aggregate.hpp"
#include "persistence/journal.hpp"

#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"
#include "caf/skip.hpp"
#include "caf/stateful_actor.hpp"

namespace mall::actors {

// -- non-template helpers (entity.cpp) ----------------------------------------

/// The exit reason of an entity whose append hit a journal conflict: a
/// second writer exists, so this one must not continue on its stale state.
/// Its supervisor restarts it (it then re-reads) without blaming a command.
caf::error journal_conflict_error();

/// Whether `reason` is `journal_conflict_error()`.
bool is_journal_conflict(const caf::error& reason);

/// An `entity_reply` carrying an error.
entity_reply error_reply(std::string code, std::string message);

/// Logs an exception that crashes the actor and turns it into its exit
/// reason (the supervisor sees it in the exit message).
caf::error entity_crashed(const std::string& who, std::exception_ptr& eptr);

// -- state ----------------------------------------------------------------------

/// State of `entity_actor<Aggregate>`.
template <class Aggregate>
struct entity_state {
  using command = typename Aggregate::command;
  using event = typename Aggregate::event;

  /// The command whose events are being committed.
  struct pending_write {
    caf::response_promise promise;
    command cmd;
    std::vector<event> events;
    std::string trace_id;
  };

  typename Aggregate::state state;
  /// "<type>|<id>".
  std::string persistence_id;
  /// Sequence number of the last event applied.
  int64_t seq_nr = 0;
  int64_t snapshot_seq_nr = 0;
  std::shared_ptr<const entity_environment> env;
  std::unique_ptr<pending_write> pending;
  /// The behavior while a write is pending, built on the first write.
  caf::behavior awaiting_commit;

  static inline const char* name = "entity";

  std::string entity_id() const {
    return persistence_id.substr(std::char_traits<char>::length(
                                   Aggregate::type_name)
                                 + 1);
  }
};

template <class Aggregate>
using entity_actor_type = caf::stateful_actor<entity_state<Aggregate>>;

namespace detail {

/// Rebuilds the state from the latest snapshot and the events after it.
/// Throws (crashing the actor) when the journal fails or holds garbage.
template <class Aggregate>
void recover(entity_state<Aggregate>& st) {
  auto& journal = *st.env->journal;
  if (auto snap = journal.load_snapshot(st.persistence_id)) {
    st.state = Aggregate::decode_state(domains::json::parse(snap->payload));
    st.seq_nr = snap->seq_nr;
    st.snapshot_seq_nr = snap->seq_nr;
  }
  for (auto& rec : journal.read_events(st.persistence_id, st.seq_nr + 1)) {
    auto ev = Aggregate::decode_event(domains::json::parse(rec.payload));
    st.state = Aggregate::apply(std::move(st.state), ev);
    st.seq_nr = rec.seq_nr;
  }
}

/// Saves a snapshot when enough events have accumulated. A failure only
/// costs a longer recovery later, so it is logged, not fatal.
template <class Aggregate>
void maybe_snapshot(entity_state<Aggregate>& st) {
  auto every = st.env->settings.snapshot_every;
  if (every <= 0 || st.seq_nr - st.snapshot_seq_nr < every)
    return;
  try {
    st.env->journal->save_snapshot(
      {st.persistence_id, st.seq_nr, Aggregate::encode_state(st.state).dump()});
    st.snapshot_seq_nr = st.seq_nr;
  } catch (const std::exception& e) {
    spdlog::warn("entity {}: snapshot at seq_nr {} failed: {}",
                 st.persistence_id, st.seq_nr, e.what());
  }
}

/// Handles the journal's answer to the pending write.
template <class Aggregate>
void on_committed(entity_actor_type<Aggregate>* self,
                  persistence::append_result& result) {
  auto& st = self->state;
  auto pending = std::move(st.pending);
  self->unbecome();
  self->set_default_handler(caf::drop);
  switch (result.status) {
    case persistence::append_status::ok: {
      for (auto& ev : pending->events)
        st.state = Aggregate::apply(std::move(st.state), ev);
      st.seq_nr += static_cast<int64_t>(pending->events.size());
      pending->promise.deliver(
        entity_reply{{},
                     {},
                     Aggregate::reply(st.state, pending->cmd).dump(),
                     result.last_position.to_string()});
      maybe_snapshot(st);
      return;
    }
    case persistence::append_status::conflict:
      spdlog::warn("entity {} trace={}: journal conflict ({}), stopping to "
                   "re-read",
                   st.persistence_id, pending->trace_id, result.message);
      pending->promise.deliver(
        error_reply("unavailable", "concurrent writer, retry"));
      self->quit(journal_conflict_error());
      return;
    case persistence::append_status::failed:
      spdlog::error("entity {} trace={}: append failed: {}", st.persistence_id,
                    pending->trace_id, result.message);
      pending->promise.deliver(
        error_reply("unavailable", "the journal is unavailable"));
      return;
  }
}

/// Decides one command; answers at once unless events must be committed.
template <class Aggregate>
caf::result<entity_reply> on_command(entity_actor_type<Aggregate>* self,
                                     const entity_command& msg) {
  auto& st = self->state;
  auto body = domains::json::parse(msg.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return error_reply("invalid_json", "body must be a JSON object");
  domains::rejection why;
  auto cmd = Aggregate::parse_command(body, why);
  if (!cmd)
    return error_reply(std::move(why.code), std::move(why.message));
  domains::command_context ctx{st.entity_id(), st.env->now_ms()};
  auto decision = Aggregate::decide(st.state, *cmd, ctx);
  if (decision.rejected())
    return error_reply(std::move(decision.error->code),
                       std::move(decision.error->message));
  if (decision.events.empty())
    return entity_reply{{}, {}, Aggregate::reply(st.state, *cmd).dump(), {}};
  std::vector<persistence::event_record> records;
  records.reserve(decision.events.size());
  auto seq = st.seq_nr;
  for (auto& ev : decision.events) {
    auto encoded = Aggregate::encode_event(ev);
    persistence::event_record rec;
    rec.persistence_id = st.persistence_id;
    rec.seq_nr = ++seq;
    rec.type = domains::event_type_of(encoded);
    rec.payload = encoded.dump();
    rec.trace_id = msg.trace_id;
    records.push_back(std::move(rec));
  }
  using pending_write = typename entity_state<Aggregate>::pending_write;
  st.pending.reset(new pending_write{self->make_response_promise(),
                                     std::move(*cmd), std::move(decision.events),
                                     msg.trace_id});
  // One command at a time: everything but the commit (and chaos) waits in
  // the mailbox until the journal has answered. Built on the first write
  // only, so entities that are merely read stay small.
  if (!st.awaiting_commit)
    st.awaiting_commit = caf::behavior{
      [self](committed_atom, persistence::append_result& result) {
        on_committed<Aggregate>(self, result);
      },
      [](crash_atom) { throw std::runtime_error("chaos: crash requested"); },
    };
  self->become(caf::keep_behavior, st.awaiting_commit);
  self->set_default_handler(caf::skip);
  auto hdl = caf::actor_cast<caf::actor>(self);
  st.env->journal->append(std::move(records),
                          [hdl](persistence::append_result result) {
                            caf::anon_send(hdl, committed_atom::value,
                                           std::move(result));
                          });
  return st.pending->promise;
}

} // namespace detail

// -- the actor ------------------------------------------------------------------

/// Hosts one instance of `Aggregate` (see domains/common/aggregate.hpp):
/// recovers it from the journal on start, then handles `entity_command`s one
/// at a time, acknowledging a write only after its events are committed.
/// `passivate_atom` stops it normally; `crash_atom` makes it throw (chaos).
/// Journal read failures and exceptions from the domain crash it; its
/// supervising shard restarts it.
template <class Aggregate>
caf::behavior entity_actor(entity_actor_type<Aggregate>* self, std::string id,
                           std::shared_ptr<const entity_environment> env) {
  auto& st = self->state;
  st.persistence_id = std::string{Aggregate::type_name} + "|" + id;
  st.env = std::move(env);
  self->set_exception_handler([self](std::exception_ptr& eptr) {
    return entity_crashed(self->state.persistence_id, eptr);
  });
  detail::recover(st);
  return {
    [self](const entity_command& cmd) {
      return detail::on_command<Aggregate>(self, cmd);
    },
    [self](passivate_atom) { self->quit(); },
    [](crash_atom) { throw std::runtime_error("chaos: crash requested"); },
  };
}

} // namespace mall::actors
