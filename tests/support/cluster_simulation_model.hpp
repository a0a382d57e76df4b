// Test support: what the cluster simulation runs (its settings, the nodes
// it models, their events) and what it reports.
#pragma once

#include "actors/cluster_node.hpp"
#include "actors/cluster_table.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

namespace mall::test_support {

using namespace mall::actors;

inline constexpr size_t max_nodes = 6;
inline constexpr int64_t never = std::numeric_limits<int64_t>::min() / 2;

struct sim_config {
  size_t shards = 32;
  lease_rules rules{1000, 100, 250, 300};
  /// Largest difference between two node clocks.
  int64_t clock_skew_ms = 100;
  /// One-way delay between a node and the tables: 1..max.
  int64_t max_delay_ms = 20;
  int64_t tick_ms = 20;
  int steps = 200;
  /// Share of renewals lost (half on the way there, half on the way back).
  double renewal_loss = 0.1;
};

/// What one run found, and how much of the protocol it exercised.
struct sim_report {
  size_t violations = 0;
  std::string first_violation;
  size_t liveness_failures = 0;
  std::string first_liveness_failure;
  size_t crashes = 0;
  size_t freezes = 0;
  size_t stale_resumes = 0; // resumed after its lease had run out
  size_t leaves = 0;        // graceful leaves completed
  size_t handoffs = 0;      // claims of a shard another node released
  size_t takeovers = 0;     // claims of a shard whose holder was down
  size_t rejoins = 0;       // joins of a later incarnation
  size_t fenced_ticks = 0;  // ticks of a node holding shards it may not serve

  sim_report& operator+=(const sim_report& x) {
    if (violations == 0)
      first_violation = x.first_violation;
    if (liveness_failures == 0)
      first_liveness_failure = x.first_liveness_failure;
    violations += x.violations;
    liveness_failures += x.liveness_failures;
    crashes += x.crashes;
    freezes += x.freezes;
    stale_resumes += x.stale_resumes;
    leaves += x.leaves;
    handoffs += x.handoffs;
    takeovers += x.takeovers;
    rejoins += x.rejoins;
    fenced_ticks += x.fenced_ticks;
    return *this;
  }
};

enum class event_kind { tick, request, read, reply, snapshot };

struct event {
  int64_t at;
  uint64_t seq;
  event_kind kind;
  size_t slot;
  uint64_t generation; // of the process that sent it or must receive it
  cluster_request request;
  cluster_reply reply;
  std::shared_ptr<const cluster_snapshot> snapshot;
};

struct later {
  bool operator()(const event& x, const event& y) const {
    return x.at != y.at ? x.at > y.at : x.seq > y.seq;
  }
};

/// One OS process of a node id.
struct process {
  uint64_t generation;
  cluster_node node;
  bool frozen = false;
  bool partitioned = false; // cut off from the database
  bool leaving = false;
  std::vector<int> in_flight;
  std::shared_ptr<const cluster_snapshot> view;
  int64_t read_sent = never;
  std::vector<event> deferred; // arrived while frozen
};

} // namespace mall::test_support
