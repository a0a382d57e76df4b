#include "actors/entity_shard.hpp"

#include "actors/entity.hpp"
#include "actors/entity_shard_books.hpp"
#include "actors/restart_policy.hpp"
#include "actors/runtime_messages.hpp"
#include "domains/common/json_text.hpp"

#include <queue>
#include <random>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"

namespace mall::actors {

namespace {

using namespace shard_books;

// -- state --------------------------------------------------------------------

struct shard_state {
  shard_config cfg;
  /// Keyed by persistence id, "<type>|<id>".
  child_map children;
  /// Live entity actors, to find a child from its exit message.
  std::unordered_map<caf::actor_id, child_entry*> by_actor;
  std::priority_queue<deadline, std::vector<deadline>, std::greater<deadline>>
      deadlines;
  std::minstd_rand rng;
  uint64_t next_seq = 0;
  bool tick_armed = false;
  /// The clock as of the last tick or start; activity is stamped with it,
  /// which is precise enough for passivation and spares a clock read per
  /// command.
  time_point now;
  time_point next_passivation_scan;

  static inline const char* name = "entity_shard";
};

using shard_actor = caf::stateful_actor<shard_state>;

// -- helpers ------------------------------------------------------------------

const runtime_settings& settings(shard_actor* self) {
  return self->state.cfg.env->settings;
}

void arm_tick(shard_actor* self) {
  auto& st = self->state;
  if (st.tick_armed || (st.children.empty() && st.deadlines.empty()))
    return;
  st.tick_armed = true;
  self->delayed_send(self, settings(self).shard_tick, tick_atom::value);
}

void on_reply(shard_actor* self, caf::actor_id aid, uint64_t seq,
              entity_reply& reply) {
  auto i = self->state.by_actor.find(aid);
  if (i == self->state.by_actor.end())
    return;
  auto& c = i->second->second;
  c.last_active = self->state.now;
  // Replies come in order, so the match is nearly always the front.
  for (auto j = c.in_flight.begin(); j != c.in_flight.end(); ++j)
    if (j->seq == seq) {
      j->deliver(std::move(reply));
      c.in_flight.erase(j);
      if (c.in_flight.empty())
        c.in_flight = {}; // an idle entity keeps no buffer
      return;
    }
}

void forward(shard_actor* self, child_entry& entry, pending_command cmd) {
  auto& c = entry.second;
  auto aid = c.actor.id();
  auto seq = cmd.seq;
  self->request(c.actor, caf::infinite, cmd.msg)
      .then([self, aid,
             seq](entity_reply& reply) { on_reply(self, aid, seq, reply); },
            [](caf::error&) {
              // The entity died with this command unanswered: the exit message
              // that follows sends it again.
            });
  c.in_flight.push_back(std::move(cmd));
}

std::pair<std::string, std::string> split_key(const std::string& key) {
  auto bar = key.find('|');
  return {key.substr(0, bar), key.substr(bar + 1)};
}

/// Reads what the entity of `entry` recovers from; the answer arrives as
/// `(recovered_atom, key, generation, recovery_record)`. Commands wait in
/// the shard meanwhile. Reading here rather than in the entity keeps a
/// starting entity to one actor spawn, and the journal merges the reads of
/// many entities starting at once.
void start(shard_actor* self, child_entry& entry) {
  auto& c = entry.second;
  c.status = child_status::recovering;
  auto generation = ++c.generation;
  auto shard = caf::actor_cast<caf::actor>(self);
  self->state.cfg.env->journal->recover(
      entry.first,
      [shard, key = entry.first, generation](persistence::recovery_record rec) {
        caf::anon_send(shard, recovered_atom::value, key, generation,
                       std::move(rec));
      });
}

/// Spawns the entity of `entry` from what it recovers from and sends it
/// every held command.
void spawn_child(shard_actor* self, child_entry& entry,
                 persistence::recovery_record& recovered) {
  auto& c = entry.second;
  auto [type, id] = split_key(entry.first);
  auto spawn = self->state.cfg.registry->find(type);
  c.actor =
      spawn(self, std::move(id), self->state.cfg.env, std::move(recovered));
  c.status = child_status::running;
  self->state.now = self->clock().now();
  c.last_active = self->state.now;
  self->state.by_actor.emplace(c.actor.id(), &entry);
  auto held = std::move(c.waiting);
  c.waiting.clear();
  for (auto& cmd : held)
    forward(self, entry, std::move(cmd));
  arm_tick(self);
}

void hold(shard_actor* self, child& c, pending_command cmd) {
  if (c.waiting.size() >= settings(self).max_queued_per_entity) {
    cmd.deliver(error_reply("unavailable", "entity is restarting, too many "
                                           "commands queued"));
    return;
  }
  c.waiting.push_back(std::move(cmd));
}

/// Routes one command to its entity, starting it if needed.
void route(shard_actor* self, const entity_command& cmd, pending_command p) {
  auto& st = self->state;
  auto key = cmd.type + '|' + cmd.id;
  auto i = st.children.find(key);
  if (i == st.children.end()) {
    auto spawn = st.cfg.registry->find(cmd.type);
    if (spawn == nullptr) {
      p.deliver(error_reply("not_found", "unknown entity type: " + cmd.type));
      return;
    }
    i = st.children.emplace(std::move(key), child{}).first;
    if (cmd.expect_new) {
      persistence::recovery_record nothing_yet;
      nothing_yet.assumed_new = true;
      spawn_child(self, *i, nothing_yet);
    } else {
      start(self, *i);
    }
  }
  auto& c = i->second;
  switch (c.status) {
  case child_status::running:
    forward(self, *i, std::move(p));
    return;
  case child_status::recovering:
  case child_status::passivating:
  case child_status::restarting:
    hold(self, c, std::move(p));
    return;
  case child_status::failed:
    if (self->clock().now() < c.failures().failed_until) {
      p.deliver(error_reply("unavailable", "entity failed, retry later"));
      return;
    }
    c.failures().restarts.reset_window();
    c.waiting.push_back(std::move(p));
    start(self, *i);
    return;
  }
}

void escalate(shard_actor* self, const std::string& key,
              const failure_record& f) {
  auto [type, id] = split_key(key);
  spdlog::error("shard {}: entity {} exhausted its restart budget ({} "
                "restarts), failed until the window passes: {}",
                self->state.cfg.index, key, f.restarts.recent_restarts(),
                f.last_error);
  if (auto& handler = self->state.cfg.escalation)
    self->send(handler,
               entity_escalation{std::move(type), std::move(id),
                                 f.restarts.recent_restarts(), f.last_error});
}

/// Blames the oldest lost command for a crash: the entity was handling it.
/// Parked `await`s are older but were handled long ago, so they are passed
/// over.
void blame(std::vector<pending_command>& lost) {
  for (auto& cmd : lost)
    if (!is_await_command(cmd.msg.get_as<entity_command>(0).body)) {
      ++cmd.losses;
      return;
    }
}

/// Schedules the restart of the entity of `entry` after its backoff. A
/// crash of the entity spends its restart budget and, once it is spent,
/// marks it failed. A journal failure (an outage, a conflict) is not the
/// entity's fault: it is retried with a doubling backoff for as long as it
/// lasts, and the budget stays for real crashes.
void restart_later(shard_actor* self, child_entry& entry, bool entity_fault) {
  auto& st = self->state;
  auto& c = entry.second;
  auto& f = c.failures();
  auto& cfg = settings(self);
  auto delay =
      entity_fault
          ? f.restarts.on_crash(self->clock().now(), cfg, st.rng)
          : std::optional<restart_policy::duration>{std::min(
                cfg.restart_backoff_max,
                std::max(cfg.restart_backoff_min, f.last_backoff * 2))};
  if (!delay) {
    c.status = child_status::failed;
    f.failed_until = f.restarts.retry_after(cfg);
    for (auto& cmd : c.waiting)
      cmd.deliver(error_reply("unavailable", "entity failed, retry later"));
    c.waiting.clear();
    escalate(self, entry.first, f);
    return;
  }
  spdlog::warn("shard {}: entity {} crashed ({}), restart {} in {} ms",
               st.cfg.index, entry.first, f.last_error,
               f.restarts.recent_restarts(), delay->count());
  c.status = child_status::restarting;
  f.last_backoff = *delay;
  self->delayed_send(self, *delay, restart_atom::value, entry.first,
                     c.generation);
}

/// Handles the exit of an entity: passivated, stopped by the journal or
/// crashed.
void on_child_exit(shard_actor* self, child_entry& entry,
                   const caf::error& reason) {
  auto& st = self->state;
  auto& c = entry.second;
  st.by_actor.erase(c.actor.id());
  c.actor = nullptr;
  auto lost = std::move(c.in_flight);
  c.in_flight.clear();
  if (!reason || reason == caf::exit_reason::normal) {
    // Passivated, or started unread and found not new. Whatever raced with
    // the stop, or was left unanswered, starts it again from the journal.
    lost.insert(lost.end(), std::make_move_iterator(c.waiting.begin()),
                std::make_move_iterator(c.waiting.end()));
    c.waiting = std::move(lost);
    if (c.waiting.empty()) {
      st.children.erase(entry.first);
      return;
    }
    start(self, entry);
    return;
  }
  c.failures().last_error = self->system().render(reason);
  if (!stopped_by_journal(reason))
    blame(lost);
  std::vector<pending_command> retry;
  for (auto& cmd : lost) {
    if (cmd.losses >= 2)
      cmd.deliver(error_reply("unavailable", "the command crashed its entity "
                                             "twice"));
    else
      retry.push_back(std::move(cmd));
  }
  retry.insert(retry.end(), std::make_move_iterator(c.waiting.begin()),
               std::make_move_iterator(c.waiting.end()));
  c.waiting = std::move(retry);
  restart_later(self, entry, !stopped_by_journal(reason));
}

/// Answers the journal's read for a recovering entity: starts it, or
/// treats a failed read like a crash.
void on_recovered(shard_actor* self, const std::string& key,
                  uint32_t generation, persistence::recovery_record& rec) {
  auto i = self->state.children.find(key);
  if (i == self->state.children.end() ||
      i->second.status != child_status::recovering ||
      i->second.generation != generation)
    return;
  if (rec.error.empty()) {
    spawn_child(self, *i, rec);
    return;
  }
  i->second.failures().last_error = rec.error;
  restart_later(self, *i, false);
}
void on_restart(shard_actor* self, const std::string& key,
                uint32_t generation) {
  auto& st = self->state;
  auto i = st.children.find(key);
  if (i == st.children.end() || i->second.status != child_status::restarting ||
      i->second.generation != generation)
    return;
  start(self, *i);
}

void on_tick(shard_actor* self) {
  auto& st = self->state;
  st.tick_armed = false;
  auto now = self->clock().now();
  st.now = now;
  while (!st.deadlines.empty() && st.deadlines.top().at <= now) {
    if (auto reply = st.deadlines.top().reply.lock())
      reply->deliver(error_reply("unavailable", "timeout"));
    st.deadlines.pop();
  }
  if (now >= st.next_passivation_scan) {
    auto& cfg = settings(self);
    st.next_passivation_scan =
        now + std::max(cfg.passivation_idle / 4, runtime_settings::duration{1});
    for (auto i = st.children.begin(); i != st.children.end();) {
      auto& c = i->second;
      if (c.status == child_status::running && c.in_flight.empty() &&
          now - c.last_active >= cfg.passivation_idle) {
        c.status = child_status::passivating;
        self->send(c.actor, passivate_atom::value);
      } else if (c.status == child_status::failed &&
                 now >= c.failures().failed_until && c.waiting.empty()) {
        i = st.children.erase(i);
        continue;
      }
      ++i;
    }
  }
  arm_tick(self);
}

bool crash_child(shard_actor* self, const std::string& key) {
  auto i = self->state.children.find(key);
  if (i == self->state.children.end() ||
      i->second.status != child_status::running)
    return false;
  self->send(i->second.actor, crash_atom::value);
  return true;
}

std::string describe(shard_actor* self) {
  auto& st = self->state;
  auto max = settings(self).tree_children_per_shard;
  auto node = [](const std::string& key, const child& c) {
    return nlohmann::json{
        {"name", key},
        {"kind", "entity"},
        {"status", to_string(c.status)},
        {"restarts", c.total_restarts()},
        {"backoff_ms", c.failure ? c.failure->last_backoff.count() : 0},
        {"last_error", c.failure ? c.failure->last_error : std::string{}},
        {"children", nlohmann::json::array()},
    };
  };
  auto children = nlohmann::json::array();
  // Troubled entities first: those are what an operator looks for.
  for (auto& [key, c] : st.children)
    if (children.size() < max &&
        (c.status != child_status::running || c.total_restarts()))
      children.push_back(node(key, c));
  for (auto& [key, c] : st.children)
    if (children.size() < max && c.status == child_status::running &&
        !c.total_restarts())
      children.push_back(node(key, c));
  return domains::dump_json(nlohmann::json{
      {"name", "shard-" + std::to_string(st.cfg.index)},
      {"kind", "shard"},
      {"status", "up"},
      {"restarts", 0},
      {"entities", st.children.size()},
      {"children", std::move(children)},
  });
}

// -- the actor ----------------------------------------------------------------

caf::behavior entity_shard(shard_actor* self, shard_config cfg) {
  auto& st = self->state;
  st.rng.seed(static_cast<unsigned>(cfg.index + 1));
  st.cfg = std::move(cfg);
  self->set_exception_handler([self](std::exception_ptr& eptr) {
    return entity_crashed("shard-" + std::to_string(self->state.cfg.index),
                          eptr);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto i = self->state.by_actor.find(msg.source.id());
    if (i != self->state.by_actor.end() &&
        i->second->second.actor.address() == msg.source) {
      on_child_exit(self, *i->second, msg.reason);
      return;
    }
    // Not one of ours: our region (or the node) shuts us down; the links
    // take our entities along.
    if (msg.reason)
      self->quit(std::move(msg.reason));
  });
  return {
      [self](ask_request& req) {
        auto& st = self->state;
        st.deadlines.push(deadline{req.deadline, req.reply});
        pending_command p{caf::make_message(std::move(req.cmd)),
                          {},
                          std::move(req.reply),
                          st.next_seq++,
                          0,
                          std::move(req.held)};
        // The command lives in the message's shared storage, which outlives
        // moving `p`.
        auto& cmd = p.msg.get_as<entity_command>(0);
        route(self, cmd, std::move(p));
        arm_tick(self);
      },
      [self](entity_command& in) {
        auto rp = self->make_response_promise();
        pending_command p{caf::make_message(std::move(in)), rp, nullptr,
                          self->state.next_seq++, 0};
        // The command lives in the message's shared storage, which outlives
        // moving `p`.
        auto& cmd = p.msg.get_as<entity_command>(0);
        route(self, cmd, std::move(p));
        return rp;
      },
      [self](tick_atom) { on_tick(self); },
      [self](restart_atom, const std::string& key, uint32_t generation) {
        on_restart(self, key, generation);
      },
      [self](recovered_atom, const std::string& key, uint32_t generation,
             persistence::recovery_record& rec) {
        on_recovered(self, key, generation, rec);
      },
      [self](crash_atom, const std::string& type, const std::string& id) {
        return crash_child(self, type + '|' + id);
      },
      [](crash_atom) -> bool {
        throw std::runtime_error("chaos: shard crash requested");
      },
      [self](describe_atom) { return describe(self); },
  };
}

} // namespace

caf::actor spawn_entity_shard(caf::actor_system& sys, shard_config cfg) {
  return sys.spawn(entity_shard, std::move(cfg));
}

caf::actor spawn_linked_entity_shard(caf::local_actor* parent,
                                     shard_config cfg) {
  return parent->spawn<caf::linked>(entity_shard, std::move(cfg));
}

} // namespace mall::actors
