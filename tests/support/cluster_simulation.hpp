// Test support: a seeded simulation of the cluster rules (cluster_node
// against one cluster_table), for actors/handoff_simulation.test.cpp.
#pragma once

#include "actors/shard_allocation.hpp"
#include "tests/support/cluster_simulation_model.hpp"
#include <limits>

#include <chrono>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <sstream>

// A seeded, discrete-event simulation of up to six nodes running
// `cluster_node` against one `cluster_table`, with message delays, lost
// renewals, database partitions, crashes, freezes (SIGSTOP) and resumes,
// joins and graceful leaves. Every node has its own clock (a fixed offset
// within the skew bound); a frozen node keeps counting as serving until its
// own rules, evaluated on its own clock, say it stops.
//
// Why checking after each event of the acting node suffices: `may_serve`
// of a node changes only through that node's own inputs (events it
// handles) or through time, and time can only end serving (the lease runs
// out). So an instant at which two nodes serve one shard starts with an
// event handled by one of them, right after which we compare it with all
// others.

namespace mall::test_support {

class simulation {
public:
  simulation(sim_config cfg, uint64_t seed)
      : cfg_(cfg), rng_(seed), table_(cfg.shards) {
    empty_view_ = std::make_shared<cluster_snapshot>();
    std::uniform_int_distribution<int64_t> offset{-cfg.clock_skew_ms / 2,
                                                  cfg.clock_skew_ms / 2};
    for (size_t i = 0; i < max_nodes; ++i)
      offsets_[i] = offset(rng_);
  }

  sim_report run() {
    auto initial = 2 + rng_() % (max_nodes - 1);
    for (size_t i = 0; i < initial; ++i)
      start(i);
    for (int step = 0; step < cfg_.steps; ++step) {
      fault();
      check_all();
      advance(now_ + 1 + static_cast<int64_t>(rng_() % 40));
    }
    stabilize();
    return report_;
  }

private:
  // -- time and messages ------------------------------------------------------

  int64_t local_now(size_t slot) const { return now_ + offsets_[slot]; }

  int64_t delay() {
    return 1 + static_cast<int64_t>(rng_() % cfg_.max_delay_ms);
  }

  bool chance(double p) {
    return std::uniform_real_distribution<double>{0, 1}(rng_) < p;
  }

  void post(event e) {
    e.seq = seq_++;
    queue_.push(std::move(e));
  }

  void advance(int64_t until) {
    while (!queue_.empty() && queue_.top().at <= until) {
      auto e = queue_.top();
      queue_.pop();
      now_ = e.at;
      handle(e);
    }
    now_ = until;
  }

  void handle(const event& e) {
    switch (e.kind) {
    case event_kind::request:
      return apply_request(e);
    case event_kind::read: {
      auto snap = std::make_shared<cluster_snapshot>(table_.snapshot());
      post({now_ + delay(),
            0,
            event_kind::snapshot,
            e.slot,
            e.generation,
            {},
            {},
            std::move(snap)});
      return;
    }
    default:
      break;
    }
    auto* p = receiver(e);
    if (p == nullptr)
      return;
    if (p->frozen) {
      if (e.kind != event_kind::tick)
        p->deferred.push_back(e);
      return; // a frozen process neither acts nor ticks
    }
    deliver(e.slot, *p, e);
  }

  process* receiver(const event& e) {
    auto& p = procs_[e.slot];
    return p && p->generation == e.generation ? &*p : nullptr;
  }

  void deliver(size_t slot, process& p, const event& e) {
    switch (e.kind) {
    case event_kind::tick:
      tick(slot, p);
      break;
    case event_kind::reply:
      p.node.on_reply(e.request, e.reply);
      break;
    case event_kind::snapshot:
      p.view = e.snapshot;
      break;
    default:
      break;
    }
    if (procs_[slot])
      check(slot);
  }

  void apply_request(const event& e) {
    auto before = table_.snapshot();
    auto reply = table_.apply(e.request);
    count_outcome(before, e.request, reply);
    auto* p = receiver(e);
    bool lost = (p != nullptr && p->partitioned) ||
                (std::holds_alternative<renew_request>(e.request) &&
                 chance(renewal_loss_ / 2));
    if (!lost)
      post({now_ + delay(), 0, event_kind::reply, e.slot, e.generation,
            e.request, reply, nullptr});
  }

  void send(size_t slot, process& p, event_kind kind, cluster_request r = {}) {
    if (p.partitioned)
      return;
    if (std::holds_alternative<renew_request>(r) &&
        kind == event_kind::request && chance(renewal_loss_ / 2))
      return;
    post({now_ + delay(),
          0,
          kind,
          slot,
          p.generation,
          std::move(r),
          {},
          nullptr});
  }

  // -- nodes ------------------------------------------------------------------

  void start(size_t slot) {
    procs_[slot].emplace(
        process{next_generation_++,
                cluster_node{"node-" + std::to_string(slot + 1), cfg_.shards,
                             cfg_.rules},
                false,
                false,
                false,
                std::vector<int>(cfg_.shards, 0),
                empty_view_,
                never,
                {}});
    post({now_,
          0,
          event_kind::tick,
          slot,
          procs_[slot]->generation,
          {},
          {},
          nullptr});
  }

  void tick(size_t slot, process& p) {
    auto& n = p.node;
    if (n.has_left()) {
      ++report_.leaves;
      procs_[slot].reset(); // the process exits
      return;
    }
    auto local = local_now(slot);
    bool fenced = false;
    for (size_t s = 0; s < cfg_.shards; ++s) {
      if (!n.may_serve(s, local)) {
        // A fenced node stops its entities: in-flight commands are aborted.
        auto ph = n.phase(s);
        fenced |= n.is_member() &&
                  (ph == shard_phase::serving || ph == shard_phase::draining);
        p.in_flight[s] = 0;
      } else {
        if (p.in_flight[s] > 0 && chance(0.5))
          --p.in_flight[s];
        if (n.accepts_commands(s, local) && chance(0.25))
          ++p.in_flight[s];
      }
      if (n.phase(s) == shard_phase::draining && p.in_flight[s] == 0)
        n.on_drained(s);
    }
    if (fenced)
      ++report_.fenced_ticks;
    auto plan = n.step(*p.view, local);
    for (auto& r : plan.requests)
      send(slot, p, event_kind::request, std::move(r));
    if (now_ - p.read_sent >= 2 * cfg_.max_delay_ms + cfg_.tick_ms) {
      p.read_sent = now_;
      send(slot, p, event_kind::read);
    }
    post({now_ + cfg_.tick_ms + static_cast<int64_t>(rng_() % 5),
          0,
          event_kind::tick,
          slot,
          p.generation,
          {},
          {},
          nullptr});
  }

  // -- faults -----------------------------------------------------------------

  /// A random slot whose process satisfies `pred`, or max_nodes.
  template<class Pred> size_t pick(Pred pred) {
    std::vector<size_t> candidates;
    for (size_t i = 0; i < max_nodes; ++i)
      if (pred(i))
        candidates.push_back(i);
    return candidates.empty() ? max_nodes
                              : candidates[rng_() % candidates.size()];
  }

  bool running(size_t i) const { return procs_[i] && !procs_[i]->frozen; }

  void fault() {
    auto r = rng_() % 100;
    size_t i = max_nodes;
    if (r < 5) {
      if ((i = pick([&](size_t j) { return !procs_[j]; })) < max_nodes)
        start(i);
    } else if (r < 7) {
      i = pick(
          [&](size_t j) { return running(j) && procs_[j]->node.is_member(); });
      if (i < max_nodes) {
        procs_[i]->leaving = true;
        procs_[i]->node.leave();
      }
    } else if (r < 9) {
      if ((i = pick([&](size_t j) { return bool{procs_[j]}; })) < max_nodes) {
        ++report_.crashes;
        procs_[i].reset();
      }
    } else if (r < 11) {
      if ((i = pick([&](size_t j) { return running(j); })) < max_nodes) {
        ++report_.freezes;
        procs_[i]->frozen = true;
      }
    } else if (r < 15) {
      i = pick([&](size_t j) { return procs_[j] && procs_[j]->frozen; });
      if (i < max_nodes)
        resume(i);
    } else if (r < 17) {
      if ((i = pick([&](size_t j) { return bool{procs_[j]}; })) < max_nodes)
        procs_[i]->partitioned = !procs_[i]->partitioned;
    }
  }

  void resume(size_t slot) {
    auto& p = *procs_[slot];
    p.frozen = false;
    auto& n = p.node;
    if (n.is_member() &&
        !lease_allows_serving(n.lease_expiry_ms(), local_now(slot), cfg_.rules))
      ++report_.stale_resumes;
    auto deferred = std::move(p.deferred);
    p.deferred.clear();
    for (auto& e : deferred)
      if (procs_[slot])
        deliver(slot, *procs_[slot], e);
    if (procs_[slot])
      post({now_, 0, event_kind::tick, slot, p.generation, {}, {}, nullptr});
  }

  void count_outcome(const cluster_snapshot& before,
                     const cluster_request& request,
                     const cluster_reply& reply) {
    if (!reply.ok)
      return;
    if (auto* c = std::get_if<claim_request>(&request)) {
      auto& old = before.claims[c->shard];
      if (old.holder.empty() || old.holder == c->node_id)
        return;
      if (old.released)
        ++report_.handoffs;
      else
        ++report_.takeovers;
    } else if (auto* j = std::get_if<join_request>(&request)) {
      if (j->incarnation > 1)
        ++report_.rejoins;
    }
  }

  // -- checks -----------------------------------------------------------------

  std::string describe(size_t slot) const {
    auto& n = procs_[slot]->node;
    std::ostringstream out;
    out << n.node_id() << " (incarnation " << n.incarnation() << ", lease "
        << n.lease_expiry_ms() << ", clock " << local_now(slot)
        << (procs_[slot]->frozen ? ", frozen" : "") << ")";
    return out.str();
  }

  /// Whether `slot` serves a shard that another process serves right now.
  void check(size_t slot) {
    auto& n = procs_[slot]->node;
    for (size_t s = 0; s < cfg_.shards; ++s) {
      if (!n.may_serve(s, local_now(slot)))
        continue;
      for (size_t other = 0; other < max_nodes; ++other) {
        if (other == slot || !procs_[other] ||
            !procs_[other]->node.may_serve(s, local_now(other)))
          continue;
        if (report_.violations++ == 0) {
          std::ostringstream out;
          out << "at " << now_ << " ms shard " << s << " is served by "
              << describe(slot) << " and " << describe(other);
          report_.first_violation = out.str();
        }
      }
    }
  }

  void check_all() {
    for (size_t i = 0; i < max_nodes; ++i)
      if (procs_[i])
        check(i);
  }

  bool live(size_t i) const {
    return running(i) && procs_[i]->node.is_member() &&
           !procs_[i]->node.has_left();
  }

  /// No more faults: heal the network, keep frozen nodes frozen (they are
  /// dead to the cluster), make sure someone is up, then wait out a lease,
  /// the margin, the skew and a few rounds of the protocol.
  void stabilize() {
    renewal_loss_ = 0;
    for (auto& p : procs_)
      if (p)
        p->partitioned = false;
    auto staying = [&](size_t j) { return running(j) && !procs_[j]->leaving; };
    if (pick(staying) == max_nodes) {
      // Restart a slot (preferably an empty one) so that someone stays up.
      auto i = pick([&](size_t j) { return !procs_[j]; });
      if (i == max_nodes)
        i = rng_() % max_nodes;
      start(i);
    }
    auto& r = cfg_.rules;
    auto round = cfg_.tick_ms + 2 * cfg_.max_delay_ms;
    auto window = r.lease_ms + r.margin_ms + cfg_.clock_skew_ms +
                  r.renew_interval_ms + r.request_timeout_ms + 10 * round;
    for (auto until = now_ + window; now_ < until;) {
      advance(std::min(until, now_ + 50));
      check_all();
    }
    check_liveness();
  }

  void check_liveness() {
    std::vector<std::string> live_ids;
    for (size_t i = 0; i < max_nodes; ++i)
      if (live(i))
        live_ids.push_back(procs_[i]->node.node_id());
    shard_allocation target{cfg_.shards, live_ids};
    for (size_t s = 0; s < cfg_.shards; ++s) {
      std::vector<std::string> servers;
      bool served_by_dead = false;
      for (size_t i = 0; i < max_nodes; ++i) {
        if (!procs_[i] || !procs_[i]->node.accepts_commands(s, local_now(i)))
          continue;
        servers.push_back(procs_[i]->node.node_id());
        served_by_dead |= !live(i);
      }
      if (servers.size() == 1 && !served_by_dead &&
          servers[0] == target.owner(s))
        continue;
      if (report_.liveness_failures++ == 0) {
        std::ostringstream out;
        out << "at " << now_ << " ms shard " << s << " is served by "
            << caf::deep_to_string(servers) << ", target " << target.owner(s)
            << ", live " << caf::deep_to_string(live_ids);
        report_.first_liveness_failure = out.str();
      }
    }
  }

  sim_config cfg_;
  std::mt19937_64 rng_;
  cluster_table table_;
  std::shared_ptr<const cluster_snapshot> empty_view_;
  std::priority_queue<event, std::vector<event>, later> queue_;
  std::optional<process> procs_[max_nodes];
  int64_t offsets_[max_nodes];
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  uint64_t next_generation_ = 1;
  double renewal_loss_ = cfg_.renewal_loss;
  sim_report report_;
};

inline sim_report run_seeds(const sim_config& cfg, uint64_t first,
                            uint64_t count) {
  sim_report total;
  for (auto seed = first; seed < first + count; ++seed) {
    auto r = simulation{cfg, seed}.run();
    if (r.violations > 0 && total.violations == 0)
      r.first_violation =
          "seed " + std::to_string(seed) + ": " + r.first_violation;
    if (r.liveness_failures > 0 && total.liveness_failures == 0)
      r.first_liveness_failure =
          "seed " + std::to_string(seed) + ": " + r.first_liveness_failure;
    total += r;
  }
  return total;
}

} // namespace mall::test_support
