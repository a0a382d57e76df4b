#include "actors/event_consumer.hpp"

#include "actors/entity.hpp"
#include "actors/restart_policy.hpp"
#include "actors/runtime_messages.hpp"

#include <atomic>
#include <random>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"

namespace mall::actors {

namespace {

/// Set by the journal push, cleared by the reader before it reads: bounds
/// wake-up messages to one in flight however fast commits arrive.
using wake_flag = std::shared_ptr<std::atomic<bool>>;

/// Supervisor -> reader: finish normally. Not an exit message, because a
/// linked actor that receives one unlinks, and the supervisor waits for the
/// reader's exit through the link.
using stop_atom = caf::atom_constant<caf::atom("stop")>;

// -- the reader ---------------------------------------------------------------

struct reader_state {
  std::shared_ptr<const event_consumer_config> cfg;
  wake_flag woken;
  persistence::journal_position offset;

  static inline const char* name = "event_reader";
};

using reader_actor = caf::stateful_actor<reader_state>;

/// Reads and handles one batch; asks itself for the next one if the batch
/// was full, so that exit messages still get through while catching up.
void read_batch(reader_actor* self) {
  auto& st = self->state;
  auto& cfg = *st.cfg;
  st.woken->store(false);
  auto batch =
      cfg.journal->read_all(st.offset, cfg.settings.consumer_batch_size);
  if (batch.empty())
    return;
  cfg.handle(batch);
  st.offset = batch.back().position;
  if (!cfg.load_own_offset)
    cfg.journal->save_offset(cfg.name, st.offset);
  if (batch.size() >= cfg.settings.consumer_batch_size)
    self->send(self, wake_atom::value);
}

caf::behavior event_reader(reader_actor* self,
                           std::shared_ptr<const event_consumer_config> cfg,
                           wake_flag woken) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.woken = std::move(woken);
  self->set_exception_handler([self](std::exception_ptr& eptr) {
    return entity_crashed("consumer " + self->state.cfg->name, eptr);
  });
  st.offset = st.cfg->load_own_offset
                  ? st.cfg->load_own_offset()
                  : st.cfg->journal->load_offset(st.cfg->name);
  self->send(self, poll_atom::value);
  return {
      [self](wake_atom) { read_batch(self); },
      [self](poll_atom) {
        read_batch(self);
        self->delayed_send(self,
                           self->state.cfg->settings.consumer_poll_interval,
                           poll_atom::value);
      },
      [self](rewind_atom, int64_t tx, int64_t offset) {
        auto& st = self->state;
        st.offset = persistence::journal_position{tx, offset};
        st.cfg->journal->save_offset(st.cfg->name, st.offset);
        spdlog::info("consumer {} rewound to {}", st.cfg->name,
                     st.offset.to_string());
        self->send(self, wake_atom::value);
        return true;
      },
      [self](stop_atom) { self->quit(caf::exit_reason::user_shutdown); },
      [](crash_atom) { throw std::runtime_error("chaos: crash requested"); },
  };
}

// -- the supervisor -----------------------------------------------------------

struct supervisor_state {
  std::shared_ptr<const event_consumer_config> cfg;
  wake_flag woken = std::make_shared<std::atomic<bool>>(false);
  caf::actor reader;
  restart_policy restarts;
  std::minstd_rand rng{11};
  /// Set once asked to stop: the supervisor waits for its reader's exit, so
  /// whoever waits for the supervisor knows no handler runs any more.
  caf::error stop_reason;

  static inline const char* name = "event_consumer";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

void start_reader(supervisor_actor* self) {
  auto& st = self->state;
  st.reader = st.cfg->detached
                  ? self->spawn<caf::linked + caf::detached>(event_reader,
                                                             st.cfg, st.woken)
                  : self->spawn<caf::linked>(event_reader, st.cfg, st.woken);
}

void on_reader_exit(supervisor_actor* self, const caf::error& reason) {
  auto& st = self->state;
  st.reader = nullptr;
  auto& settings = st.cfg->settings;
  auto delay = st.restarts.on_crash(self->clock().now(), settings, st.rng);
  if (!delay)
    delay = settings.restart_backoff_max;
  spdlog::warn("consumer {} stopped ({}), restart in {} ms", st.cfg->name,
               self->system().render(reason), delay->count());
  self->delayed_send(self, *delay, restart_atom::value);
}

std::string describe(supervisor_actor* self) {
  auto& st = self->state;
  return nlohmann::json{{"name", "consumer-" + st.cfg->name},
                        {"kind", "consumer"},
                        {"status", st.reader ? "running" : "restarting"},
                        {"restarts", st.restarts.total_restarts()},
                        {"children", nlohmann::json::array()}}
      .dump();
}

caf::behavior event_consumer(supervisor_actor* self,
                             std::shared_ptr<const event_consumer_config> cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  // The journal keeps its subscribers forever: hold the supervisor weakly
  // and let the flag coalesce pushes.
  caf::weak_actor_ptr weak{self->ctrl()};
  st.cfg->journal->subscribe([weak, woken = st.woken] {
    if (woken->exchange(true))
      return;
    if (auto strong = weak.lock())
      caf::anon_send(caf::actor_cast<caf::actor>(strong), wake_atom::value);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    auto& reader = st.reader;
    if (reader && reader.address() == msg.source) {
      if (st.stop_reason)
        self->quit(std::move(st.stop_reason));
      else
        on_reader_exit(self, msg.reason);
      return;
    }
    if (!msg.reason)
      return;
    if (!reader) {
      self->quit(std::move(msg.reason));
      return;
    }
    st.stop_reason = std::move(msg.reason);
    self->send(reader, stop_atom::value);
  });
  start_reader(self);
  return {
      [self](wake_atom) {
        if (auto& reader = self->state.reader)
          self->send(reader, wake_atom::value);
      },
      [self](restart_atom) {
        if (!self->state.reader && !self->state.stop_reason)
          start_reader(self);
      },
      [self](crash_atom) {
        if (auto& reader = self->state.reader)
          self->send(reader, crash_atom::value);
      },
      [self](describe_atom) { return describe(self); },
      [self](rewind_atom atom, int64_t tx,
             int64_t offset) -> caf::result<bool> {
        auto& st = self->state;
        if (st.cfg->load_own_offset)
          return false;
        if (!st.reader) {
          // Restarting: the next reader starts from the durable offset.
          st.cfg->journal->save_offset(st.cfg->name, {tx, offset});
          return true;
        }
        auto rp = self->make_response_promise();
        rp.delegate(st.reader, atom, tx, offset);
        return rp;
      },
  };
}

} // namespace

caf::actor spawn_event_consumer(caf::actor_system& sys,
                                event_consumer_config cfg) {
  return sys.spawn(
      event_consumer,
      std::make_shared<const event_consumer_config>(std::move(cfg)));
}

bool rewind_event_consumer(caf::actor_system& sys, const caf::actor& consumer,
                           persistence::journal_position to,
                           std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys};
  bool result = false;
  self->request(consumer, timeout, rewind_atom::value, to.tx, to.offset)
      .receive([&](bool done) { result = done; },
               [&](caf::error& err) {
                 spdlog::warn("rewinding a consumer failed: {}",
                              sys.render(err));
               });
  return result;
}

} // namespace mall::actors
