#include "domains/deliveries/delivery.hpp"

#include "domains/common/overloaded.hpp"

namespace mall::domains::deliveries {

namespace {

using delivery_decision = decision<delivery_event>;

constexpr const char* order_prefix = "o_";

delivery_decision accept(delivery_event ev) {
  return delivery_decision::accept({std::move(ev)});
}

delivery_decision not_found() {
  return delivery_decision::reject("not_found", "delivery: does not exist");
}

// The delivery id is derived from the order id: a command naming another
// order would file that order's delivery under the wrong id.
bool owns(const command_context& ctx, const std::string& order_id) {
  return delivery_id_for(order_id) == ctx.entity_id;
}

delivery_decision foreign_order() {
  return delivery_decision::reject("invalid_input",
                                   "order_id: does not own this delivery");
}

} // namespace

std::string delivery_id_for(const std::string& order_id) {
  if (order_id.compare(0, 2, order_prefix) == 0)
    return "d_" + order_id.substr(2);
  return "d_" + order_id;
}

decision<delivery_event> decide(const delivery& state,
                                const delivery_command& cmd,
                                const command_context& ctx) {
  const auto status = state.status;
  const auto now = ctx.now_ms;
  return std::visit(
      overloaded{
          [&](const start_delivery& c) {
            if (!owns(ctx, c.order_id))
              return foreign_order();
            if (status != delivery_status::none)
              return delivery_decision::nothing();
            return accept(
                delivery_started{c.order_id, c.user_id, c.address, now});
          },
          [&](const cancel_delivery& c) {
            if (!owns(ctx, c.order_id))
              return foreign_order();
            if (status == delivery_status::started)
              return accept(delivery_cancelled{now});
            if (status == delivery_status::none)
              return accept(delivery_voided{c.order_id, now});
            return delivery_decision::nothing();
          },
          [&](const complete_delivery&) {
            if (status == delivery_status::started)
              return accept(delivery_completed{state.order_id, now});
            if (status == delivery_status::completed)
              return delivery_decision::nothing();
            if (status == delivery_status::cancelled)
              return delivery_decision::reject("delivery_cancelled",
                                               "delivery: was cancelled");
            return not_found();
          },
          [&](const get_delivery&) {
            return visible(state) ? delivery_decision::nothing() : not_found();
          },
      },
      cmd);
}

delivery apply(delivery state, const delivery_event& event) {
  std::visit(overloaded{
                 [&](const delivery_started& e) {
                   state.id = delivery_id_for(e.order_id);
                   state.order_id = e.order_id;
                   state.user_id = e.user_id;
                   state.address = e.address;
                   state.status = delivery_status::started;
                   state.created_at_ms = e.at;
                 },
                 [&](const delivery_cancelled&) {
                   state.status = delivery_status::cancelled;
                 },
                 [&](const delivery_voided& e) {
                   state.id = delivery_id_for(e.order_id);
                   state.order_id = e.order_id;
                   state.status = delivery_status::voided;
                 },
                 [&](const delivery_completed&) {
                   state.status = delivery_status::completed;
                 },
             },
             event);
  state.updated_at_ms = std::visit([](const auto& e) { return e.at; }, event);
  return state;
}

bool visible(const delivery& state) {
  return state.status == delivery_status::started ||
         state.status == delivery_status::completed ||
         state.status == delivery_status::cancelled;
}

} // namespace mall::domains::deliveries
