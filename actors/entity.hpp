// The entity actor: one live instance of one aggregate, event-sourced.
#pragma once

#include "actors/entity_environment.hpp"
#include "actors/entity_messages.hpp"
#include "actors/entity_state.hpp"
#include "actors/runtime_messages.hpp"
#include "domains/common/aggregate.hpp"
#include "domains/common/json_text.hpp"
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

/// The exit reason of an entity whose append failed: its state holds events
/// that never became durable, so it stops and its supervisor recovers it
/// again, without blaming a command.
caf::error journal_failure_error();

/// Whether `reason` is `journal_conflict_error()`.
bool is_journal_conflict(const caf::error& reason);

/// Whether `reason` is either of the two errors above: the entity stopped
/// because of the journal, not because of a command.
bool stopped_by_journal(const caf::error& reason);

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

namespace detail {

/// At most this many commands share one append: bounds a commit's size and
/// the wait of the last command in it.
constexpr size_t max_commands_per_batch = 256;

/// Rebuilds the state from the latest snapshot and the events after it.
/// Throws (crashing the actor) when the journal failed or holds garbage.
template<class Aggregate>
void rebuild(entity_state<Aggregate>& st, persistence::recovery_record& rec) {
  if (!rec.error.empty())
    throw persistence::journal_error{"recovering " + st.persistence_id + ": " +
                                     rec.error};
  st.state = {};
  st.seq_nr = 0;
  st.snapshot_seq_nr = 0;
  st.position = {};
  st.assumed_new = rec.assumed_new;
  if (auto& snap = rec.snapshot) {
    st.state = Aggregate::decode_state(domains::parse_json(snap->payload));
    st.seq_nr = snap->seq_nr;
    st.snapshot_seq_nr = snap->seq_nr;
  }
  for (auto& ev : rec.events) {
    // The snapshot's own last event comes too, for its position only.
    st.position = ev.position;
    if (ev.seq_nr <= st.seq_nr)
      continue;
    auto decoded = Aggregate::decode_event(domains::parse_json(ev.payload));
    st.state = Aggregate::apply(std::move(st.state), decoded);
    st.seq_nr = ev.seq_nr;
  }
}

/// The consistency token of the entity's position: "tx.offset", or empty
/// while it has no event.
template<class Aggregate>
std::string token_of(const entity_state<Aggregate>& st) {
  return st.position.tx == 0 ? std::string{} : st.position.to_string();
}

/// A successful reply with the entity's current position.
template<class Aggregate>
entity_reply ok_reply(const entity_state<Aggregate>& st,
                      const typename Aggregate::command& cmd) {
  return entity_reply{{},
                      {},
                      domains::dump_json(Aggregate::reply(st.state, cmd)),
                      token_of(st),
                      false};
}

/// `{"type":"get"}` as `Aggregate` reads it, parsed once; null when the
/// aggregate has no such command.
template<class Aggregate> const typename Aggregate::command* get_command() {
  static const auto parsed = [] {
    domains::rejection why;
    return Aggregate::parse_command(domains::json{{"type", "get"}}, why);
  }();
  return parsed ? &*parsed : nullptr;
}

/// Why `get` would fail now (e.g. `not_found` for an entity that does not
/// exist); nothing when it would succeed.
template<class Aggregate>
std::optional<entity_reply> get_refusal(const entity_state<Aggregate>& st) {
  const auto* get = get_command<Aggregate>();
  if (get == nullptr)
    return error_reply("invalid_input", "type: " + st.persistence_id +
                                            " cannot be read with get");
  domains::command_context ctx{st.entity_id(), st.env->now_ms()};
  auto decision = Aggregate::decide(st.state, *get, ctx);
  if (decision.rejected())
    return error_reply(std::move(decision.error->code),
                       std::move(decision.error->message));
  return std::nullopt;
}

/// What `get` answers now: the reply to `{"type":"get"}` or its rejection.
template<class Aggregate>
entity_reply get_reply(const entity_state<Aggregate>& st) {
  if (auto refused = get_refusal(st))
    return std::move(*refused);
  return ok_reply(st, *get_command<Aggregate>());
}

/// `{"type":"await"}`: the `get` reply once the state is settled. Returns
/// nothing when the promise from `promise()` was parked until an event
/// settles it (nothing is encoded then). Beyond `max_parked_per_entity`
/// waiters, the current (unsettled) state is answered at once, as if the
/// wait had timed out.
template<class Aggregate, class PromiseFn>
std::optional<entity_reply> on_await(entity_state<Aggregate>& st,
                                     PromiseFn&& promise) {
  if constexpr (!has_settled<Aggregate>::value) {
    return error_reply("invalid_input", std::string{"type: "} +
                                            Aggregate::type_name +
                                            " does not support await");
  } else {
    if (auto refused = get_refusal(st))
      return refused;
    if (Aggregate::settled(st.state) ||
        st.parked.size() >= st.env->settings.max_parked_per_entity)
      return ok_reply(st, *get_command<Aggregate>());
    st.parked.push_back(promise());
    return std::nullopt;
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

/// Hands a snapshot to the journal when enough events have accumulated.
template<class Aggregate> void maybe_snapshot(entity_state<Aggregate>& st) {
  auto every = st.env->settings.snapshot_every;
  if (every <= 0 || st.seq_nr - st.snapshot_seq_nr < every)
    return;
  st.env->journal->save_snapshot(
      {st.persistence_id, st.seq_nr,
       domains::dump_json(Aggregate::encode_state(st.state))});
  st.snapshot_seq_nr = st.seq_nr;
}

/// Decides `msg` against the current state and applies its events at once,
/// appending their records to `records`. Returns the answer; nothing when
/// the command was an `await` whose promise (from `promise()`) got parked.
template<class Aggregate, class PromiseFn>
std::optional<entity_reply>
decide(entity_state<Aggregate>& st, const entity_command& msg,
       PromiseFn&& promise, std::vector<persistence::event_record>& records) {
  if (msg.body == await_body)
    return on_await(st, std::forward<PromiseFn>(promise));
  std::optional<typename Aggregate::command> parsed;
  const auto* cmd = msg.body == get_body ? get_command<Aggregate>() : nullptr;
  if (cmd == nullptr) {
    auto body = domains::try_parse_json(msg.body);
    if (!body.is_object())
      return error_reply("invalid_json", "body must be a JSON object");
    if (auto type = body.find("type");
        type != body.end() && type->is_string() && *type == "await")
      return on_await(st, std::forward<PromiseFn>(promise));
    domains::rejection why;
    parsed = Aggregate::parse_command(body, why);
    if (!parsed)
      return error_reply(std::move(why.code), std::move(why.message));
    cmd = &*parsed;
  }
  domains::command_context ctx{st.entity_id(), st.env->now_ms()};
  auto decision = Aggregate::decide(st.state, *cmd, ctx);
  if (decision.rejected()) {
    auto reply = error_reply(std::move(decision.error->code),
                             std::move(decision.error->message));
    reply.position = token_of(st);
    return reply;
  }
  for (auto& ev : decision.events) {
    auto encoded = Aggregate::encode_event(ev);
    persistence::event_record rec;
    rec.persistence_id = st.persistence_id;
    rec.seq_nr = ++st.seq_nr;
    rec.type = domains::event_type_of(encoded);
    rec.payload = domains::dump_json(encoded);
    rec.trace_id = msg.trace_id;
    records.push_back(std::move(rec));
    st.state = Aggregate::apply(std::move(st.state), ev);
  }
  entity_reply reply;
  if (msg.wants_body)
    reply.body = domains::dump_json(Aggregate::reply(st.state, *cmd));
  reply.wrote = !decision.events.empty();
  // A write's position is that of its commit (`on_committed`).
  if (!reply.wrote)
    reply.position = token_of(st);
  return reply;
}

/// Hands the batch's events to the journal; the outcome arrives as
/// `(committed_atom, append_result)`.
template<class Aggregate>
void append_batch(entity_actor_type<Aggregate>* self,
                  std::vector<persistence::event_record> records) {
  auto hdl = caf::actor_cast<caf::actor>(self);
  self->state.env->journal->append(
      std::move(records), [hdl](persistence::append_result result) {
        caf::anon_send(hdl, committed_atom::value, std::move(result));
      });
}

/// Decides the queued commands, oldest first, as one batch: the commands
/// that read see the writes before them, and every answer waits for the
/// commit of the batch's events. Without events, everything is answered
/// at once and the entity becomes idle when nothing else is queued.
template<class Aggregate> void run_queued(entity_actor_type<Aggregate>* self) {
  auto& st = self->state;
  auto& books = *st.writing;
  while (!books.queued.empty()) {
    std::vector<persistence::event_record> records;
    auto taken = std::min(books.queued.size(), max_commands_per_batch);
    for (size_t i = 0; i < taken; ++i) {
      auto& q = books.queued[i];
      auto promise = [&q] { return std::move(q.promise); };
      if (auto reply = decide(st, q.cmd, promise, records))
        books.batch.push_back(
            batch_member{std::move(q.promise), std::move(*reply)});
    }
    books.queued.erase(books.queued.begin(),
                       books.queued.begin() + static_cast<ptrdiff_t>(taken));
    if (!records.empty()) {
      append_batch(self, std::move(records));
      return;
    }
    auto answered = std::move(books.batch);
    books.batch.clear();
    for (auto& m : answered)
      m.promise.deliver(std::move(m.reply));
  }
  st.writing.reset();
}

template<class Aggregate> void abandon_waiting(entity_state<Aggregate>& st);

/// Handles the journal's answer to the batch being committed.
template<class Aggregate>
void on_committed(entity_actor_type<Aggregate>* self,
                  persistence::append_result& result) {
  auto& st = self->state;
  auto conflict = result.status == persistence::append_status::conflict;
  if (conflict && st.assumed_new) {
    // Events exist after all (a command sent again, or an id drawn twice):
    // stopping without an answer makes the shard read them and send the
    // batch again, so no caller sees the wrong guess.
    abandon_waiting(st);
    self->quit();
    return;
  }
  auto batch = std::move(st.writing->batch);
  st.writing->batch.clear();
  if (result.status == persistence::append_status::ok) {
    st.assumed_new = false;
    st.position = result.last_position;
    auto token = token_of(st);
    for (auto& m : batch) {
      m.reply.position = token;
      m.promise.deliver(std::move(m.reply));
    }
    release_parked(st);
    maybe_snapshot(st);
    run_queued(self);
    return;
  }
  for (auto& m : batch)
    m.promise.deliver(
        error_reply("unavailable", conflict ? "concurrent writer, retry"
                                            : "the journal is unavailable"));
  abandon_waiting(st);
  if (conflict) {
    spdlog::warn("entity {}: journal conflict ({}), stopping to re-read",
                 st.persistence_id, result.message);
    self->quit(journal_conflict_error());
    return;
  }
  spdlog::error("entity {}: append failed, stopping to recover again: {}",
                st.persistence_id, result.message);
  self->quit(journal_failure_error());
}

/// A command: queued while a batch is being committed, otherwise decided at
/// once (and answered at once unless it wrote events).
template<class Aggregate>
caf::result<entity_reply> on_command(entity_actor_type<Aggregate>* self,
                                     entity_command& msg) {
  auto& st = self->state;
  if (st.busy()) {
    auto promise = self->make_response_promise();
    st.writing->queued.push_back(queued_command{promise, std::move(msg)});
    return promise;
  }
  std::vector<persistence::event_record> records;
  caf::response_promise parked;
  auto reply = decide(
      st, msg,
      [self, &parked] {
        parked = self->make_response_promise();
        return parked;
      },
      records);
  if (!reply)
    return parked;
  if (records.empty()) {
    // Only a commit proves an entity started unread to be new: stop, so
    // that the next command finds it read from the journal.
    if (st.assumed_new) {
      abandon_waiting(st);
      self->quit();
    }
    return std::move(*reply);
  }
  auto promise = self->make_response_promise();
  st.writing = std::make_unique<write_books>();
  st.writing->batch.push_back(batch_member{promise, std::move(*reply)});
  append_batch(self, std::move(records));
  return promise;
}

/// Answers what the entity still holds with an error before it stops, so
/// that its shard's requests end; the shard sends the commands again to the
/// next incarnation.
template<class Aggregate> void abandon_waiting(entity_state<Aggregate>& st) {
  auto gone = caf::make_error(caf::sec::request_receiver_down);
  if (auto books = std::move(st.writing)) {
    for (auto& q : books->queued)
      q.promise.deliver(gone);
    for (auto& m : books->batch)
      m.promise.deliver(gone);
  }
  for (auto& rp : st.parked)
    rp.deliver(gone);
  st.parked.clear();
}

} // namespace detail

// -- the actor ----------------------------------------------------------------

/// Hosts one instance of `Aggregate` (see domains/common/aggregate.hpp),
/// starting from `recovered` (its snapshot and later events, which its
/// shard read from the journal). It decides commands in arrival order;
/// while the events of one batch are being committed, the commands that
/// arrive are queued and decided together as the next batch, so a busy
/// entity commits many commands at once. Each command is answered only
/// after its batch is durable, and every reply carries the position of the
/// entity's last event. Aggregates with `settled(state)` also answer
/// `{"type":"await"}` (see `on_await`); parked awaits stay unanswered in the
/// shard's books, so the shard never passivates an entity while any is
/// parked, and re-sends them to the next incarnation after a crash.
///
/// A failed append answers its batch `unavailable` and stops the entity with
/// `journal_failure_error()`; a conflict (a second writer) stops it with
/// `journal_conflict_error()`: its shard recovers it again. `passivate_atom`
/// stops it normally once it is idle; `crash_atom` makes it throw (chaos).
/// A `recovered` record with an error or garbage, and exceptions from the
/// domain, crash it; its supervising shard restarts it.
template<class Aggregate>
caf::behavior entity_actor(entity_actor_type<Aggregate>* self, std::string id,
                           std::shared_ptr<const entity_environment> env,
                           persistence::recovery_record recovered) {
  auto& st = self->state;
  st.persistence_id = std::string{Aggregate::type_name} + "|" + id;
  st.env = std::move(env);
  self->set_exception_handler([self](std::exception_ptr& eptr) {
    detail::abandon_waiting(self->state);
    return entity_crashed(self->state.persistence_id, eptr);
  });
  detail::rebuild(st, recovered);
  return {
      [self](entity_command& cmd) {
        return detail::on_command<Aggregate>(self, cmd);
      },
      [self](committed_atom, persistence::append_result& result) {
        detail::on_committed<Aggregate>(self, result);
      },
      [self](passivate_atom) -> caf::result<void> {
        auto& st = self->state;
        if (st.busy())
          return caf::skip;
        detail::abandon_waiting(st);
        self->quit();
        return caf::unit;
      },
      [self](crash_atom) -> caf::result<void> {
        // Not while an append is in flight: its shard would send the batch
        // again to the next incarnation although it may have committed.
        if (self->state.busy())
          return caf::skip;
        throw std::runtime_error("chaos: crash requested");
      },
  };
}

} // namespace mall::actors
