// How this product configures CAF's scheduler, written once for the node and
// the benchmarks that measure its runtime.
#pragma once

#include "caf/actor_system_config.hpp"

namespace mall::app {

/// Two scheduler threads, and idle workers that stop polling after 1 ms.
void apply_caf_settings(caf::actor_system_config& cfg);

} // namespace mall::app
