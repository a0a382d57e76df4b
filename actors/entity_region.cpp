#include "actors/entity_region.hpp"

#include "actors/entity.hpp"
#include "actors/restart_policy.hpp"
#include "actors/runtime_messages.hpp"
#include "domains/common/json_text.hpp"

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/system_messages.hpp"

namespace mall::actors {

namespace {

/// A subtree shown next to the shards: `(name, kind, actor)`.
struct watched_actor {
  std::string name;
  std::string kind;
  caf::actor actor;
};

struct region_state {
  std::vector<caf::actor> shards;
  std::vector<watched_actor> watched;
  std::vector<restart_policy> restarts;
  std::shared_ptr<shard_directory> directory;
  shard_config prototype;
  std::minstd_rand rng{7};

  static inline const char* name = "entity_region";
};

using region_actor = caf::stateful_actor<region_state>;

using restart_shard_atom = caf::atom_constant<caf::atom("restartsh")>;

const runtime_settings& settings(region_actor* self) {
  return self->state.prototype.env->settings;
}

void on_shard_exit(region_actor* self, size_t index, const caf::error& reason) {
  auto& st = self->state;
  st.shards[index] = nullptr;
  auto delay =
      st.restarts[index].on_crash(self->clock().now(), settings(self), st.rng);
  if (!delay) {
    spdlog::error("region: shard {} keeps crashing ({}), retrying in {} ms",
                  index, self->system().render(reason),
                  settings(self).restart_backoff_max.count());
    delay = settings(self).restart_backoff_max;
  } else {
    spdlog::warn("region: shard {} crashed ({}), restart in {} ms", index,
                 self->system().render(reason), delay->count());
  }
  self->delayed_send(self, *delay, restart_shard_atom::value, index);
}

void restart_shard(region_actor* self, size_t index) {
  auto& st = self->state;
  if (st.shards[index])
    return;
  auto cfg = st.prototype;
  cfg.index = index;
  st.shards[index] = spawn_linked_entity_shard(self, std::move(cfg));
  st.directory->set(index, st.shards[index]);
}

/// Swaps shard `index` for a new one. The old one is unlinked first, so its
/// exit is not taken for a crash; it takes its entities along.
void reset_shard(region_actor* self, size_t index) {
  auto& st = self->state;
  if (index >= st.shards.size())
    return;
  if (auto old = st.shards[index]) {
    self->unlink_from(old);
    self->send_exit(old, caf::exit_reason::user_shutdown);
    st.shards[index] = nullptr;
  }
  restart_shard(self, index);
}

/// Collects the shards' subtrees; answers once all (or their errors) are in.
struct tree_gather {
  nlohmann::json tree;
  size_t missing = 0;
  std::function<void(std::string)> done;
};

void describe(region_actor* self, std::function<void(std::string)> done) {
  auto& st = self->state;
  auto gather = std::make_shared<tree_gather>();
  gather->tree = {{"name", "region"},
                  {"kind", "region"},
                  {"status", "up"},
                  {"restarts", 0},
                  {"children", nlohmann::json::array()}};
  gather->missing = st.shards.size() + st.watched.size();
  gather->done = std::move(done);
  for (size_t i = 0; i < st.shards.size(); ++i)
    gather->tree["children"].push_back(
        {{"name", "shard-" + std::to_string(i)},
         {"kind", "shard"},
         {"status", "restarting"},
         {"restarts", st.restarts[i].total_restarts()},
         {"children", nlohmann::json::array()}});
  // Until (unless) it answers, a watched actor shows as down.
  for (auto& w : st.watched)
    gather->tree["children"].push_back({{"name", w.name},
                                        {"kind", w.kind},
                                        {"status", "down"},
                                        {"restarts", 0},
                                        {"children", nlohmann::json::array()}});
  auto finish_one = [gather] {
    if (--gather->missing == 0)
      gather->done(domains::dump_json(gather->tree));
  };
  if (gather->missing == 0) {
    gather->done(domains::dump_json(gather->tree));
    return;
  }
  for (size_t k = 0; k < st.watched.size(); ++k) {
    auto slot = st.shards.size() + k;
    self->request(st.watched[k].actor, std::chrono::seconds(1),
                  describe_atom::value)
        .then(
            [gather, slot, finish_one](const std::string& text) {
              auto sub = domains::try_parse_json(text);
              if (!sub.is_discarded())
                gather->tree["children"][slot] = std::move(sub);
              finish_one();
            },
            [finish_one](caf::error&) { finish_one(); });
  }
  for (size_t i = 0; i < st.shards.size(); ++i) {
    if (!st.shards[i]) {
      finish_one();
      continue;
    }
    auto restarts = st.restarts[i].total_restarts();
    self->request(st.shards[i], std::chrono::seconds(1), describe_atom::value)
        .then(
            [gather, i, restarts, finish_one](const std::string& text) {
              auto sub = domains::try_parse_json(text);
              if (!sub.is_discarded()) {
                sub["restarts"] = restarts;
                gather->tree["children"][i] = std::move(sub);
              }
              finish_one();
            },
            [finish_one](caf::error&) { finish_one(); });
  }
}

caf::behavior entity_region(region_actor* self, std::vector<caf::actor> shards,
                            std::shared_ptr<shard_directory> directory,
                            shard_config prototype) {
  auto& st = self->state;
  st.restarts.resize(shards.size());
  st.shards = std::move(shards);
  st.directory = std::move(directory);
  st.prototype = std::move(prototype);
  for (auto& shard : st.shards)
    self->link_to(shard);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& shards = self->state.shards;
    for (size_t i = 0; i < shards.size(); ++i)
      if (shards[i] && shards[i].address() == msg.source) {
        on_shard_exit(self, i, msg.reason);
        return;
      }
    if (msg.reason)
      self->quit(std::move(msg.reason));
  });
  return {
      [self](tree_request& req) { describe(self, std::move(req.done)); },
      [self](restart_shard_atom, size_t index) { restart_shard(self, index); },
      [self](reset_atom, size_t index) { reset_shard(self, index); },
      [self](watch_atom, std::string& name, std::string& kind,
             caf::actor& who) {
        // A restarted consumer is shown again under its name: replace it.
        auto& watched = self->state.watched;
        auto same = [&](const watched_actor& w) { return w.name == name; };
        auto i = std::find_if(watched.begin(), watched.end(), same);
        watched_actor entry{std::move(name), std::move(kind), std::move(who)};
        if (i != watched.end())
          *i = std::move(entry);
        else
          watched.push_back(std::move(entry));
      },
      [self](crash_atom, size_t index) {
        if (index < self->state.shards.size() && self->state.shards[index])
          self->send(self->state.shards[index], crash_atom::value);
      },
  };
}

} // namespace

caf::actor spawn_entity_region(caf::actor_system& sys,
                               std::vector<caf::actor> shards,
                               std::shared_ptr<shard_directory> directory,
                               shard_config prototype) {
  return sys.spawn(entity_region, std::move(shards), std::move(directory),
                   std::move(prototype));
}

} // namespace mall::actors
