#include "actors/order_timeout_sweeper.hpp"

#include "actors/entity_environment.hpp"
#include "actors/runtime_messages.hpp"
#include "domains/common/json_text.hpp"

#include <unordered_set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "caf/event_based_actor.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"

namespace mall::actors {

namespace {

/// Timer -> sweeper: look for overdue orders now.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
/// Gateway callback -> sweeper: the reject of one order was answered.
using swept_atom = caf::atom_constant<caf::atom("swept")>;

constexpr const char* reject_timeout =
    R"({"type":"reject","reason":"timeout"})";

struct sweeper_state {
  entity_gateway* gateway = nullptr;
  order_timeout_sweeper_config cfg;
  /// Orders whose reject is unanswered.
  std::unordered_set<std::string> in_flight;
  uint64_t sweeps = 0;
  uint64_t rejected = 0;

  static inline const char* name = "order_timeout_sweeper";
};

using sweeper_actor = caf::stateful_actor<sweeper_state>;

void sweep(sweeper_actor* self) {
  auto& st = self->state;
  ++st.sweeps;
  auto cutoff = st.cfg.now_ms() - st.cfg.order_timeout.count();
  std::vector<std::string> overdue;
  try {
    overdue = st.cfg.find_overdue(cutoff);
  } catch (const std::exception& e) {
    spdlog::warn("order timeout sweep failed, next in {} ms: {}",
                 st.cfg.interval.count(), e.what());
    return;
  }
  auto hdl = caf::actor_cast<caf::actor>(self);
  for (auto& id : overdue) {
    if (!st.in_flight.insert(id).second)
      continue;
    st.gateway->ask(entity_command{"order", id, reject_timeout,
                                   "order-timeout-" + id, false},
                    st.cfg.ask_timeout_ms, [hdl, id](entity_reply reply) {
                      caf::anon_send(hdl, swept_atom::value, id,
                                     reply.error_code, reply.error_message);
                    });
  }
}

void on_swept(sweeper_actor* self, const std::string& id,
              const std::string& error_code, const std::string& message) {
  auto& st = self->state;
  st.in_flight.erase(id);
  if (error_code.empty()) {
    ++st.rejected;
    return;
  }
  // The next sweep finds it again if it is still pending.
  spdlog::warn("order timeout: reject of order/{} failed: {} ({})", id,
               error_code, message);
}

std::string describe(sweeper_actor* self) {
  auto& st = self->state;
  return domains::dump_json(
      nlohmann::json{{"name", "order_timeout_sweeper"},
                     {"kind", "policy"},
                     {"status", "running"},
                     {"restarts", 0},
                     {"sweeps", st.sweeps},
                     {"rejected", st.rejected},
                     {"children", nlohmann::json::array()}});
}

caf::behavior order_timeout_sweeper(sweeper_actor* self,
                                    entity_gateway* gateway,
                                    order_timeout_sweeper_config cfg) {
  auto& st = self->state;
  st.gateway = gateway;
  st.cfg = std::move(cfg);
  if (!st.cfg.now_ms)
    st.cfg.now_ms = &system_now_ms;
  self->delayed_send(self, st.cfg.interval, sweep_atom::value);
  return {
      [self](sweep_atom) {
        sweep(self);
        self->delayed_send(self, self->state.cfg.interval, sweep_atom::value);
      },
      [self](swept_atom, const std::string& id, const std::string& error_code,
             const std::string& message) {
        on_swept(self, id, error_code, message);
      },
      [self](describe_atom) { return describe(self); },
  };
}

} // namespace

caf::actor spawn_order_timeout_sweeper(caf::actor_system& sys,
                                       entity_gateway& gateway,
                                       order_timeout_sweeper_config cfg) {
  if (cfg.detached)
    return sys.spawn<caf::detached>(order_timeout_sweeper, &gateway,
                                    std::move(cfg));
  return sys.spawn(order_timeout_sweeper, &gateway, std::move(cfg));
}

} // namespace mall::actors
