// How this product configures CAF's scheduler, written once for the node and
// the benchmarks that measure its runtime.
#pragma once

#include "caf/actor_system_config.hpp"

#include <chrono>

namespace mall::app {

/// Two scheduler threads, and idle workers that stop polling after 1 ms.
void apply_caf_settings(caf::actor_system_config& cfg);

/// The middleman (BASP over TCP) with heartbeats every `heartbeat` and a
/// peer declared dead after `timeout` without a message (CAF 0.17 has both
/// off by default, leaving a frozen peer to TCP's timeouts), plus the types
/// of every message that crosses nodes.
void apply_cluster_settings(caf::actor_system_config& cfg,
                            std::chrono::milliseconds heartbeat,
                            std::chrono::milliseconds timeout);

} // namespace mall::app
