#include "actors/actor_shutdown.hpp"

#include "caf/exit_reason.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/system_messages.hpp"

namespace mall::actors {

bool stop_actor(caf::actor_system& sys, const caf::actor& actor,
                std::chrono::milliseconds timeout) {
  if (!actor)
    return true;
  caf::scoped_actor self{sys};
  self->monitor(actor);
  self->send_exit(actor, caf::exit_reason::user_shutdown);
  bool down = false;
  self->receive(
      [&](const caf::down_msg& msg) { down = msg.source == actor.address(); },
      caf::after(timeout) >>
          [] {
            // gives up: `down` stays false
          });
  return down;
}

} // namespace mall::actors
