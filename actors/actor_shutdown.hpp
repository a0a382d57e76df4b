// Stopping an actor and knowing it is gone.
#pragma once

#include <chrono>

#include "caf/actor.hpp"
#include "caf/actor_system.hpp"

namespace mall::actors {

/// Sends `actor` an exit message (`user_shutdown`) and blocks until it has
/// terminated, e.g. so that a consumer or the sweeper no longer calls into a
/// gateway or store that is about to be destroyed. False when it did not
/// terminate within `timeout`. Do not call it from an actor.
bool stop_actor(caf::actor_system& sys, const caf::actor& actor,
                std::chrono::milliseconds timeout);

} // namespace mall::actors
