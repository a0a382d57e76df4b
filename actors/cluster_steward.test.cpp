#define CAF_SUITE actors.cluster_steward
#include "tests/support/caf_test.hpp"

#include "actors/cluster_steward.hpp"
#include "tests/support/membership_table_model.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <random>
#include <sstream>
#include <vector>

using namespace mall;
using namespace mall::actors;
using namespace std::chrono_literals;

namespace {

constexpr size_t shard_count = 16;
constexpr int64_t step_ms = 10;
constexpr int64_t tick_ms = 100;

/// What a node's routes would hold, plus the checks on how it is driven.
struct sim_runtime : steward_runtime {
  std::vector<route_phase> phases =
      std::vector<route_phase>(shard_count, route_phase::remote);
  std::vector<int64_t> running = std::vector<int64_t>(shard_count, 0);
  /// Served since the last reset: its entities may hold state.
  std::vector<bool> dirty = std::vector<bool>(shard_count, false);
  int64_t lease_until = 0;
  bool gone = false;
  std::string violation;

  void set_lease_until(int64_t deadline_ms) override {
    lease_until = deadline_ms;
  }
  void serve_locally(size_t s) override {
    // A new claim must start empty; only a called-off drain keeps state.
    if (dirty[s] && phases[s] != route_phase::draining)
      violation = "shard " + std::to_string(s) + " served again unreset";
    phases[s] = route_phase::local;
    dirty[s] = true;
  }
  void drain(size_t s) override { phases[s] = route_phase::draining; }
  void route_to(size_t s, shard_routes::owner) override {
    phases[s] = route_phase::remote;
  }
  int64_t in_flight(size_t s) override { return running[s]; }
  void reset_shard(size_t s) override { dirty[s] = false; }
  void served_changed(size_t, bool) override {}
  void peers_seen(const std::vector<std::string>&) override {}
  void fenced() override {}
  void left() override { gone = true; }

  /// `shard_routes::enter_local`: local phase under a valid lease.
  bool may_run(size_t s, int64_t now) const {
    return phases[s] == route_phase::local && now < lease_until;
  }
};

enum class process_state { running, frozen, crashed };

/// One process of a node id.
struct sim_process {
  std::string id;
  sim_runtime rt;
  std::unique_ptr<cluster_steward> steward;
  process_state state = process_state::running;
  int64_t next_tick = 0;
  int64_t frozen_until = 0;
  /// Commands running here: (shard, end time).
  std::vector<std::pair<size_t, int64_t>> commands;
};

/// Random joins, graceful leaves, crashes, freezes, stale reads, store
/// outages and commands, with the rules checked after every step.
class cluster_history {
public:
  explicit cluster_history(unsigned seed) : rng_(seed) {
    table_.now_ms = [this] { return now_; };
    table_.fail = [this] { return chance(0.01); };
    table_.lose_reply = [this] { return chance(0.005); };
  }

  /// Runs `chaos_ms` of chaos and `quiet_ms` without; returns the first
  /// broken rule ("" if none).
  std::string run(int64_t chaos_ms, int64_t quiet_ms) {
    start("n1");
    for (; now_ < chaos_ms; now_ += step_ms) {
      chaos();
      advance();
      if (auto broken = check(); !broken.empty())
        return broken;
    }
    for (auto& p : processes_)
      if (p->state == process_state::frozen)
        p->frozen_until = now_;
    // Someone must stay to serve: a node that is not leaving.
    if (staying() == 0)
      start(unused_id());
    for (auto end = now_ + quiet_ms; now_ < end; now_ += step_ms) {
      advance();
      if (auto broken = check(); !broken.empty())
        return broken;
    }
    return settled();
  }

  size_t handoffs() const { return handoffs_; }

private:
  bool chance(double p) { return std::uniform_real_distribution<>{}(rng_) < p; }

  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>{lo, hi}(rng_);
  }

  size_t live() const {
    size_t n = 0;
    for (auto& p : processes_)
      n += p->state != process_state::crashed && !p->rt.gone;
    return n;
  }

  size_t staying() const {
    size_t n = 0;
    for (auto& p : processes_)
      n += p->state != process_state::crashed && !p->rt.gone &&
           !p->steward->leaving();
    return n;
  }

  std::string unused_id() {
    for (int k = 1;; ++k)
      if (!process_of("n" + std::to_string(k)))
        return "n" + std::to_string(k);
  }

  sim_process* process_of(const std::string& id) {
    for (auto& p : processes_)
      if (p->id == id && p->state != process_state::crashed && !p->rt.gone)
        return p.get();
    return nullptr;
  }

  void start(const std::string& id) {
    if (process_of(id))
      return;
    auto p = std::make_unique<sim_process>();
    p->id = id;
    steward_options o;
    o.node_id = id;
    o.address = id + ":4000";
    o.http_address = id + ":8080";
    o.lease = 1000ms;
    o.drain_timeout = 500ms;
    o.shard_count = shard_count;
    p->steward = std::make_unique<cluster_steward>(table_, p->rt, o);
    p->next_tick = now_ + uniform(0, tick_ms);
    processes_.push_back(std::move(p));
  }

  void chaos() {
    static const char* ids[] = {"n1", "n2", "n3", "n4"};
    if (chance(0.01))
      start(ids[uniform(0, 3)]);
    for (auto& p : processes_) {
      if (p->state != process_state::running || p->rt.gone)
        continue;
      if (chance(0.002)) {
        p->state = process_state::crashed;
      } else if (chance(0.003)) {
        p->state = process_state::frozen;
        p->frozen_until = now_ + uniform(200, 3000);
      } else if (chance(0.002)) {
        p->steward->leave();
      }
      // New commands start only where `enter_local` would let them.
      for (size_t s = 0; s < shard_count; ++s)
        if (p->rt.may_run(s, now_) && chance(0.05)) {
          ++p->rt.running[s];
          p->commands.emplace_back(s, now_ + uniform(0, 400));
        }
    }
  }

  void advance() {
    for (auto& p : processes_) {
      if (p->state == process_state::crashed || p->rt.gone)
        continue;
      if (p->state == process_state::frozen) {
        if (now_ < p->frozen_until)
          continue;
        p->state = process_state::running;
      }
      for (auto i = p->commands.begin(); i != p->commands.end();)
        if (i->second <= now_) {
          --p->rt.running[i->first];
          i = p->commands.erase(i);
        } else {
          ++i;
        }
      if (now_ < p->next_tick)
        continue;
      p->next_tick = now_ + tick_ms;
      // The tick was sent up to 30 ms before the store handles it.
      try {
        p->steward->tick(now_ - uniform(0, 30));
      } catch (const std::exception&) {
        // An outage: the lease runs out unless a later tick renews it.
      }
    }
  }

  /// Never two servers of a shard, and a server always holds the shard's
  /// current claim (the journal's key never has to step in).
  std::string check() {
    for (auto& p : processes_)
      if (!p->rt.violation.empty())
        return at() + p->id + ": " + p->rt.violation;
    for (size_t s = 0; s < shard_count; ++s) {
      std::vector<sim_process*> servers;
      for (auto& p : processes_)
        if (p->state != process_state::crashed && p->rt.may_run(s, now_))
          servers.push_back(p.get());
      if (servers.size() > 1)
        return at() + "shard " + std::to_string(s) + " served by " +
               servers[0]->id + " and " + servers[1]->id;
      if (servers.size() == 1) {
        auto row = table_.shard(static_cast<int>(s));
        auto* p = servers[0];
        // A handoff waits for the old server's commands; those of a node
        // past its lease cannot commit (the journal asks the lease).
        for (auto& q : processes_)
          if (q.get() != p && q->state != process_state::crashed &&
              q->rt.running[s] > 0 && now_ < q->rt.lease_until)
            return at() + p->id + " serves shard " + std::to_string(s) +
                   " while commands of it still run on " + q->id;
        if (row.owner != p->id || row.released ||
            row.owner_incarnation != p->steward->incarnation())
          return at() + p->id + " serves shard " + std::to_string(s) +
                 " without holding its claim";
        if (row.epoch != last_epoch_[s]) {
          last_epoch_[s] = row.epoch;
          ++handoffs_;
        }
      }
    }
    return "";
  }

  /// After the quiet period: every shard served by exactly one process,
  /// and every process knows a server for every shard.
  std::string settled() {
    for (size_t s = 0; s < shard_count; ++s) {
      size_t servers = 0;
      for (auto& p : processes_)
        servers += p->state == process_state::running && !p->rt.gone &&
                   p->rt.may_run(s, now_);
      if (servers != 1)
        return at() + "after the quiet period shard " + std::to_string(s) +
               " has " + std::to_string(servers) + " servers; " + describe(s);
    }
    for (auto& p : processes_)
      if (p->state == process_state::running && !p->rt.gone &&
          !p->steward->settled())
        return at() + p->id + " does not know a server for every shard";
    return "";
  }

  /// The processes and the claim of shard `s`, for a failure report.
  std::string describe(size_t s) {
    std::ostringstream out;
    auto row = table_.shard(static_cast<int>(s));
    out << "claim " << row.owner << "#" << row.owner_incarnation << " epoch "
        << row.epoch << (row.released ? " released" : "") << ";";
    for (auto& p : processes_) {
      auto* m = table_.member(p->id);
      out << " " << p->id << "#" << p->steward->incarnation()
          << " state=" << static_cast<int>(p->state) << " gone=" << p->rt.gone
          << " leaving=" << p->steward->leaving()
          << " phase=" << static_cast<int>(p->rt.phases[s])
          << " lease_left=" << p->rt.lease_until - now_
          << " running=" << p->rt.running[s];
      if (m)
        out << " row=" << persistence::to_string(m->status) << "#"
            << m->incarnation;
    }
    return out.str();
  }

  std::string at() const { return "t=" + std::to_string(now_) + "ms: "; }

  std::minstd_rand rng_;
  int64_t now_ = 0;
  testing::membership_table_model table_;
  std::vector<std::unique_ptr<sim_process>> processes_;
  std::map<size_t, int64_t> last_epoch_;
  size_t handoffs_ = 0;
};

} // namespace

CAF_TEST(no shard ever has two servers over random cluster histories) {
  // The steward logs every join and leave; the histories would drown the
  // report.
  spdlog::set_level(spdlog::level::off);
  constexpr unsigned histories = 200;
  size_t handoffs = 0;
  for (unsigned seed = 1; seed <= histories; ++seed) {
    cluster_history history{seed};
    auto broken = history.run(30'000, 6'000);
    if (!broken.empty())
      CAF_FAIL("seed " << seed << ": " << broken);
    handoffs += history.handoffs();
  }
  CAF_MESSAGE(handoffs << " changes of server over " << histories
                       << " histories");
  CAF_CHECK(handoffs > 1000);
}

CAF_TEST(a gateway only member serves nothing and routes everything) {
  spdlog::set_level(spdlog::level::off);
  testing::membership_table_model table;
  int64_t now = 0;
  table.now_ms = [&] { return now; };
  sim_runtime host_rt, gateway_rt;
  steward_options o;
  o.node_id = "host";
  o.shard_count = shard_count;
  cluster_steward host{table, host_rt, o};
  o.node_id = "gateway";
  o.hosts_shards = false;
  cluster_steward gateway{table, gateway_rt, o};
  for (int round = 0; round < 5; ++round, now += tick_ms) {
    host.tick(now);
    gateway.tick(now);
  }
  CAF_CHECK(gateway.settled());
  CAF_CHECK_EQUAL(gateway.shards_served(), 0u);
  CAF_CHECK_EQUAL(host.shards_served(), shard_count);
  for (size_t s = 0; s < shard_count; ++s)
    CAF_CHECK(gateway_rt.phases[s] == route_phase::remote);
}

CAF_TEST(a join moves only the shards the newcomer takes) {
  spdlog::set_level(spdlog::level::off);
  testing::membership_table_model table;
  int64_t now = 0;
  table.now_ms = [&] { return now; };
  std::vector<std::unique_ptr<sim_runtime>> runtimes;
  std::vector<std::unique_ptr<cluster_steward>> stewards;
  auto add = [&](const std::string& id) {
    runtimes.push_back(std::make_unique<sim_runtime>());
    steward_options o;
    o.node_id = id;
    o.shard_count = shard_count;
    stewards.push_back(
        std::make_unique<cluster_steward>(table, *runtimes.back(), o));
  };
  auto settle = [&] {
    for (int round = 0; round < 10; ++round, now += tick_ms)
      for (auto& s : stewards)
        s->tick(now);
  };
  for (auto id : {"n1", "n2", "n3"})
    add(id);
  settle();
  std::vector<std::string> before;
  for (size_t s = 0; s < shard_count; ++s)
    before.push_back(table.shard(static_cast<int>(s)).owner);
  add("n4");
  settle();
  size_t moved = 0;
  for (size_t s = 0; s < shard_count; ++s) {
    auto after = table.shard(static_cast<int>(s)).owner;
    if (after != before[s]) {
      ++moved;
      CAF_CHECK_EQUAL(after, "n4");
    }
  }
  CAF_CHECK(moved > 0);
  CAF_CHECK(moved <= shard_count / 2);
}
