#include "app/caf_settings.hpp"

#include "actors/entity_messages.hpp"

#include "caf/io/middleman.hpp"
#include "caf/timespan.hpp"

#include <cstddef>

namespace mall::app {

void apply_caf_settings(caf::actor_system_config& cfg) {
  cfg.set("scheduler.max-threads", size_t{2});
  // An idle CAF worker polls its queue 500 times, 50 us apart, before it
  // sleeps: 25 ms of wake-ups that take CPU from PostgreSQL on the same
  // cores. 20 attempts (1 ms) measured 15-20 % more orders/s.
  cfg.set("work-stealing.moderate-poll-attempts", size_t{20});
}

void apply_cluster_settings(caf::actor_system_config& cfg,
                            std::chrono::milliseconds heartbeat,
                            std::chrono::milliseconds timeout) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", caf::timespan{heartbeat});
  cfg.set("middleman.connection-timeout", caf::timespan{timeout});
  cfg.add_message_type<actors::entity_command>("mall.entity_command");
  cfg.add_message_type<actors::entity_reply>("mall.entity_reply");
}

} // namespace mall::app
