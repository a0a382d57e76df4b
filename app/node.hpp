// One 12st mall node: database, journal, actors, projections and gateway.
#pragma once

#include "app/node_config.hpp"

namespace mall::app {

/// Runs a node until SIGINT or SIGTERM, then shuts it down cleanly: stop
/// accepting, finish in-flight requests, flush the journal, stop the
/// embedded database. Returns the process exit code. Call it with SIGINT and
/// SIGTERM blocked in every thread (see `block_stop_signals`).
int run_node(const node_config& config);

/// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts
/// later, so that `run_node` can wait for them with sigwait.
void block_stop_signals();

} // namespace mall::app
