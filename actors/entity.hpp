// The entity actor: one live instance of one aggregate, event-sourced.
#pragma once

#include "actors/entity_environment.hpp"
#include "actors/entity_messages.hpp"
#include "actors/runtime_messages.hpp"
#include "domains/common/aggregate.hpp"
#include "persistence/journal.hpp"

#include <memory>
#include <string>
#include <type_traits>
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

/// Whether a command body is the runtime's `{"type":"await"}`.
bool is_await_command(const std::string& body);

/// Whether `Aggregate` has `static bool settled(const state&)`, which makes
/// it support `{"type":"await"}`.
template<class Aggregate, class = void> struct has_settled : std::false_type {};

template<class Aggregate>
struct has_settled<Aggregate,
                   std::void_t<decltype(Aggregate::settled(
                       std::declval<const typename Aggregate::state&>()))>>
    : std::true_type {};

// -- state --------------------------------------------------------------------

/// State of `entity_actor<Aggregate>`.
template<class Aggregate> struct entity_state {
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
  /// Journal position of the last event applied, "tx.offset" (empty while
  /// none was): every reply carries it as the consistency token.
  std::string position;
  /// `await` requests waiting for the state to settle, oldest first.
  std::vector<caf::response_promise> parked;
  int64_t snapshot_seq_nr = 0;
  std::shared_ptr<const entity_environment> env;
  std::unique_ptr<pending_write> pending;
  /// The behavior while a write is pending, built on the first write.
  caf::behavior awaiting_commit;

  static inline const char* name = "entity";

  std::string entity_id() const {
    return persistence_id.substr(
        std::char_traits<char>::length(Aggregate::type_name) + 1);
  }
};

template<class Aggregate>
using entity_actor_type = caf::stateful_actor<entity_state<Aggregate>>;

namespace detail {

/// Rebuilds the state from the latest snapshot and the events after it.
/// Throws (crashing the actor) when the journal fails or holds garbage.
template<class Aggregate> void recover(entity_state<Aggregate>& st) {
  auto& journal = *st.env->journal;
  auto from = int64_t{1};
  if (auto snap = journal.load_snapshot(st.persistence_id)) {
    st.state = Aggregate::decode_state(domains::json::parse(snap->payload));
    st.seq_nr = snap->seq_nr;
    st.snapshot_seq_nr = snap->seq_nr;
    // Snapshots carry no journal position: read the snapshot's own last
    // event again (without applying it) for the position of the state.
    from = snap->seq_nr;
  }
  for (auto& rec : journal.read_events(st.persistence_id, from)) {
    st.position = rec.position.to_string();
    if (rec.seq_nr <= st.seq_nr)
      continue;
    auto ev = Aggregate::decode_event(domains::json::parse(rec.payload));
    st.state = Aggregate::apply(std::move(st.state), ev);
    st.seq_nr = rec.seq_nr;
  }
}

/// A successful reply with the entity's current position.
template<class Aggregate>
entity_reply ok_reply(const entity_state<Aggregate>& st,
                      const typename Aggregate::command& cmd) {
  return entity_reply{
      {}, {}, Aggregate::reply(st.state, cmd).dump(), st.position, false};
}

/// What `get` answers now: the reply to `{"type":"get"}` or its rejection
/// (e.g. `not_found` for an entity that does not exist).
template<class Aggregate>
entity_reply get_reply(const entity_state<Aggregate>& st) {
  domains::rejection why;
  auto get = Aggregate::parse_command(domains::json{{"type", "get"}}, why);
  if (!get)
    return error_reply("invalid_input", "type: " + st.persistence_id +
                                            " cannot be read with get");
  domains::command_context ctx{st.entity_id(), st.env->now_ms()};
  auto decision = Aggregate::decide(st.state, *get, ctx);
  if (decision.rejected())
    return error_reply(std::move(decision.error->code),
                       std::move(decision.error->message));
  return ok_reply(st, *get);
}

/// `{"type":"await"}`: answers the `get` reply once the state is settled,
/// parking the request until an event settles it. Beyond
/// `max_parked_per_entity` waiters, the current (unsettled) state is
/// answered at once, as if the wait had timed out.
template<class Aggregate>
caf::result<entity_reply> on_await(entity_actor_type<Aggregate>* self) {
  auto& st = self->state;
  if constexpr (!has_settled<Aggregate>::value) {
    return error_reply("invalid_input", std::string{"type: "} +
                                            Aggregate::type_name +
                                            " does not support await");
  } else {
    auto reply = get_reply(st);
    if (!reply.ok() || Aggregate::settled(st.state) ||
        st.parked.size() >= st.env->settings.max_parked_per_entity)
      return reply;
    st.parked.push_back(self->make_response_promise());
    return st.parked.back();
  }
}

/// Answers every parked `await` if the state has settled.
template<class Aggregate> void release_parked(entity_state<Aggregate>& st) {
  if constexpr (has_settled<Aggregate>::value) {
    if (st.parked.empty() || !Aggregate::settled(st.state))
      return;
    auto reply = get_reply(st);
    auto parked = std::move(st.parked);
    st.parked.clear();
    for (auto& rp : parked)
      rp.deliver(reply);
  }
}

/// Saves a snapshot when enough events have accumulated. A failure only
/// costs a longer recovery later, so it is logged, not fatal.
template<class Aggregate> void maybe_snapshot(entity_state<Aggregate>& st) {
  auto every = st.env->settings.snapshot_every;
  if (every <= 0 || st.seq_nr - st.snapshot_seq_nr < every)
    return;
  try {
    st.env->journal->save_snapshot({st.persistence_id, st.seq_nr,
                                    Aggregate::encode_state(st.state).dump()});
    st.snapshot_seq_nr = st.seq_nr;
  } catch (const std::exception& e) {
    spdlog::warn("entity {}: snapshot at seq_nr {} failed: {}",
                 st.persistence_id, st.seq_nr, e.what());
  }
}

/// Handles the journal's answer to the pending write.
template<class Aggregate>
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
    st.position = result.last_position.to_string();
    auto reply = ok_reply(st, pending->cmd);
    reply.wrote = true;
    pending->promise.deliver(std::move(reply));
    release_parked(st);
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
template<class Aggregate>
caf::result<entity_reply> on_command(entity_actor_type<Aggregate>* self,
                                     const entity_command& msg) {
  auto& st = self->state;
  auto body = domains::json::parse(msg.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return error_reply("invalid_json", "body must be a JSON object");
  if (auto type = body.find("type");
      type != body.end() && type->is_string() && *type == "await")
    return on_await<Aggregate>(self);
  domains::rejection why;
  auto cmd = Aggregate::parse_command(body, why);
  if (!cmd)
    return error_reply(std::move(why.code), std::move(why.message));
  domains::command_context ctx{st.entity_id(), st.env->now_ms()};
  auto decision = Aggregate::decide(st.state, *cmd, ctx);
  if (decision.rejected()) {
    auto reply = error_reply(std::move(decision.error->code),
                             std::move(decision.error->message));
    reply.position = st.position;
    return reply;
  }
  if (decision.events.empty())
    return ok_reply(st, *cmd);
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
                                     std::move(*cmd),
                                     std::move(decision.events), msg.trace_id});
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
  st.env->journal->append(
      std::move(records), [hdl](persistence::append_result result) {
        caf::anon_send(hdl, committed_atom::value, std::move(result));
      });
  return st.pending->promise;
}

} // namespace detail

// -- the actor ----------------------------------------------------------------

/// Hosts one instance of `Aggregate` (see domains/common/aggregate.hpp):
/// recovers it from the journal on start, then handles `entity_command`s one
/// at a time, acknowledging a write only after its events are committed.
/// Every reply carries the position of the entity's last event. Aggregates
/// with `settled(state)` also answer `{"type":"await"}` (see `on_await`);
/// parked awaits stay unanswered in the shard's books, so the shard never
/// passivates an entity while any is parked, and re-sends them to the next
/// incarnation after a crash.
/// `passivate_atom` stops it normally; `crash_atom` makes it throw (chaos).
/// Journal read failures and exceptions from the domain crash it; its
/// supervising shard restarts it.
template<class Aggregate>
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
