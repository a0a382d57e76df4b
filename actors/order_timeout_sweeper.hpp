// Rejects orders that stayed pending for too long (the saga's timeout step).
#pragma once

#include "actors/entity_gateway.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"

namespace mall::actors {

/// What the sweeper needs besides the gateway.
struct order_timeout_sweeper_config {
  /// Ids of the orders still pending that were created before `cutoff_ms`
  /// (milliseconds since the epoch). May block (a read-model query); may
  /// throw, which skips one sweep.
  std::function<std::vector<std::string>(int64_t cutoff_ms)> find_overdue;
  /// Wall-clock milliseconds since the epoch; replaceable for tests.
  std::function<int64_t()> now_ms;
  /// Time between two sweeps.
  std::chrono::milliseconds interval{std::chrono::seconds(1)};
  /// How long an order may stay pending.
  std::chrono::milliseconds order_timeout{std::chrono::seconds(10)};
  /// Timeout of each `reject` ask.
  int64_t ask_timeout_ms = 5000;
  /// `find_overdue` blocks, so the sweeper gets its own thread; tests on the
  /// deterministic scheduler set this to false.
  bool detached = true;
};

/// Spawns the sweeper: every `interval` it calls `find_overdue(now -
/// order_timeout)` and sends each order found `{"type":"reject","reason":
/// "timeout"}` through `gateway` (which must outlive it). Since it works
/// from persisted state, the timeout survives restarts; `reject` is a no-op
/// on an order that is no longer pending, so a race with the saga is
/// harmless. An order whose reject is still unanswered is not sent another.
///
/// Answers `(describe_atom)` with `{name: "order_timeout_sweeper", kind:
/// "policy", status, restarts, sweeps, rejected, children: []}` as JSON
/// text. Stop it with an exit message.
caf::actor spawn_order_timeout_sweeper(caf::actor_system& sys,
                                       entity_gateway& gateway,
                                       order_timeout_sweeper_config cfg);

} // namespace mall::actors
