#include "actors/event_consumer.hpp"

#include "actors/commit_signal.hpp"
#include "actors/entity.hpp"
#include "actors/restart_policy.hpp"
#include "actors/runtime_messages.hpp"
#include "domains/common/json_text.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
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

using signal_ptr = std::shared_ptr<commit_signal>;

/// Reader -> itself: read again; a read came back short of the latest
/// commit pushed.
using retry_atom = caf::atom_constant<caf::atom("retry")>;

/// How soon a reader behind the latest pushed commit reads again. The
/// transaction holding events back is usually a few milliseconds long.
constexpr auto short_read_retry = std::chrono::milliseconds(2);

/// Supervisor -> reader: finish normally. Not an exit message, because a
/// linked actor that receives one unlinks, and the supervisor waits for the
/// reader's exit through the link.
using stop_atom = caf::atom_constant<caf::atom("stop")>;

// -- the reader ---------------------------------------------------------------

/// Handler -> reader: `(batch_done_atom, id, ok)`, a batch has finished.
using batch_done_atom = caf::atom_constant<caf::atom("batchdone")>;

/// A batch handed to the handler whose end is not yet known to the reader.
struct running_batch {
  uint64_t id = 0;
  persistence::journal_position last;
  bool done = false;
};

struct reader_state {
  std::shared_ptr<const event_consumer_config> cfg;
  signal_ptr signal;
  /// Whether a `retry_atom` is on its way.
  bool retry_armed = false;
  /// No read before this (`min_read_interval`); whether a wake for it is on
  /// its way.
  caf::actor_clock::time_point paced_until;
  bool pace_armed = false;
  /// The last event handed to the handler.
  persistence::journal_position read;
  /// The last event of the longest run of finished batches.
  persistence::journal_position finished;
  /// What the journal holds as this consumer's offset.
  persistence::journal_position saved;
  caf::actor_clock::time_point saved_at;
  /// Oldest first, until they and all before them have finished.
  std::deque<running_batch> running;
  /// Batches of `running` not finished yet.
  size_t unfinished = 0;
  uint64_t next_batch_id = 0;

  static inline const char* name = "event_reader";
};

using reader_actor = caf::stateful_actor<reader_state>;

/// Saves the finished offset when it moved and `force` is set or the save
/// interval has passed.
void save_offset(reader_actor* self, bool force) {
  auto& st = self->state;
  auto& cfg = *st.cfg;
  if (cfg.load_own_offset || st.finished == st.saved)
    return;
  auto now = self->clock().now();
  if (!force && now - st.saved_at < cfg.offset_save_interval)
    return;
  cfg.journal->save_offset(cfg.name, st.finished);
  st.saved = st.finished;
  st.saved_at = now;
}

void on_batch_done(reader_actor* self, uint64_t id, bool ok);

/// Reads again shortly when a commit was pushed beyond `reached` and no
/// newer push is on its way (which would wake the reader anyway).
void retry_if_short(reader_actor* self, persistence::journal_position reached) {
  auto& st = self->state;
  if (st.retry_armed || st.signal->pending() ||
      !(reached < st.signal->latest()))
    return;
  st.retry_armed = true;
  self->delayed_send(self, short_read_retry, retry_atom::value);
}

/// Hands one batch to the handler; asks itself for the next one if the
/// batch was full, so that other messages still get through while catching
/// up.
void read_batch(reader_actor* self) {
  auto& st = self->state;
  auto& cfg = *st.cfg;
  if (st.unfinished >= cfg.max_batches_in_flight)
    return; // the next batch_done reads on
  if (cfg.may_run && !cfg.may_run())
    return; // the next poll asks again
  auto now = self->clock().now();
  if (now < st.paced_until) {
    if (!st.pace_armed) {
      st.pace_armed = true;
      self->delayed_send(self, st.paced_until - now, wake_atom::value);
    }
    return;
  }
  st.pace_armed = false;
  st.signal->clear();
  auto batch = cfg.journal->read_all(st.read, cfg.settings.consumer_batch_size);
  if (batch.size() < cfg.settings.consumer_batch_size)
    st.paced_until = now + cfg.min_read_interval;
  if (batch.empty() || batch.size() < cfg.settings.consumer_batch_size)
    retry_if_short(self, batch.empty() ? st.read : batch.back().position);
  if (batch.empty())
    return;
  st.read = batch.back().position;
  auto id = st.next_batch_id++;
  st.running.push_back(running_batch{id, st.read, false});
  ++st.unfinished;
  if (batch.size() >= cfg.settings.consumer_batch_size)
    self->send(self, wake_atom::value);
  if (!cfg.start) {
    cfg.handle(batch);
    on_batch_done(self, id, true);
    return;
  }
  auto hdl = caf::actor_cast<caf::actor>(self);
  cfg.start(batch, [hdl, id](bool ok) {
    caf::anon_send(hdl, batch_done_atom::value, id, ok);
  });
}

void on_batch_done(reader_actor* self, uint64_t id, bool ok) {
  auto& st = self->state;
  auto i = std::find_if(st.running.begin(), st.running.end(),
                        [id](const running_batch& b) { return b.id == id; });
  if (i == st.running.end())
    return; // from before a rewind
  if (!ok)
    throw std::runtime_error("a batch failed, reading again from offset " +
                             st.saved.to_string());
  i->done = true;
  auto was_full = st.unfinished-- >= st.cfg->max_batches_in_flight;
  while (!st.running.empty() && st.running.front().done) {
    st.finished = st.running.front().last;
    st.running.pop_front();
  }
  save_offset(self, false);
  if (was_full)
    self->send(self, wake_atom::value);
}

caf::behavior event_reader(reader_actor* self,
                           std::shared_ptr<const event_consumer_config> cfg,
                           signal_ptr signal) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.signal = std::move(signal);
  self->set_exception_handler([self](std::exception_ptr& eptr) {
    return entity_crashed("consumer " + self->state.cfg->name, eptr);
  });
  st.saved = st.cfg->load_own_offset
                 ? st.cfg->load_own_offset()
                 : st.cfg->journal->load_offset(st.cfg->name);
  st.read = st.finished = st.saved;
  st.saved_at = self->clock().now();
  self->send(self, poll_atom::value);
  return {
      [self](wake_atom) { read_batch(self); },
      [self](retry_atom) {
        self->state.retry_armed = false;
        read_batch(self);
      },
      [self](poll_atom) {
        save_offset(self, true);
        read_batch(self);
        self->delayed_send(self,
                           self->state.cfg->settings.consumer_poll_interval,
                           poll_atom::value);
      },
      [self](batch_done_atom, uint64_t id, bool ok) {
        on_batch_done(self, id, ok);
      },
      [self](rewind_atom, int64_t tx, int64_t offset) {
        auto& st = self->state;
        st.running.clear();
        st.unfinished = 0;
        st.read = st.finished = st.saved = {tx, offset};
        st.cfg->journal->save_offset(st.cfg->name, st.saved);
        spdlog::info("consumer {} rewound to {}", st.cfg->name,
                     st.saved.to_string());
        self->send(self, wake_atom::value);
        return true;
      },
      [self](stop_atom) {
        save_offset(self, true);
        self->quit(caf::exit_reason::user_shutdown);
      },
      [](crash_atom) { throw std::runtime_error("chaos: crash requested"); },
  };
}

// -- the supervisor -----------------------------------------------------------

struct supervisor_state {
  std::shared_ptr<const event_consumer_config> cfg;
  signal_ptr signal = std::make_shared<commit_signal>();
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
                                                             st.cfg, st.signal)
                  : self->spawn<caf::linked>(event_reader, st.cfg, st.signal);
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
  return domains::dump_json(
      nlohmann::json{{"name", "consumer-" + st.cfg->name},
                     {"kind", "consumer"},
                     {"status", st.reader ? "running" : "restarting"},
                     {"restarts", st.restarts.total_restarts()},
                     {"children", nlohmann::json::array()}});
}

caf::behavior event_consumer(supervisor_actor* self,
                             std::shared_ptr<const event_consumer_config> cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  // The journal keeps its subscribers forever: hold the supervisor weakly
  // and let the signal coalesce pushes.
  caf::weak_actor_ptr weak{self->ctrl()};
  st.cfg->journal->subscribe(
      [weak, signal = st.signal](persistence::journal_position at) {
        if (!signal->on_commit(at))
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
