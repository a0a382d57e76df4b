#include "domains/orders/order.hpp"

#include "domains/common/overloaded.hpp"

namespace mall::domains::orders {

namespace {

using order_decision = decision<order_event>;

order_decision accept(order_event ev) {
  return order_decision::accept({std::move(ev)});
}

bool same_order(const order& state, const create_order& c) {
  return state.user_id == c.user_id && state.product_id == c.product_id &&
         state.qty == c.qty && state.address == c.address;
}

order_decision decide_existing(const order& state, const order_command& cmd,
                               int64_t now) {
  const bool pending = state.status == order_status::pending;
  const bool placed = state.status == order_status::placed;
  return std::visit(
      overloaded{
          [&](const create_order& c) {
            if (same_order(state, c))
              return order_decision::nothing();
            return order_decision::reject(
                "idempotency_key_reused",
                "Idempotency-Key: already used for a different order");
          },
          [&](const confirm_reservation& c) {
            // A reservation landing after a reject or cancel is given back
            // by the saga's reaction to those events, not here.
            if (!pending)
              return order_decision::nothing();
            return accept(order_placed{c.product_name, c.unit_price,
                                       c.unit_price * state.qty, state.user_id,
                                       state.address, now});
          },
          [&](const reject_order& c) {
            if (!pending)
              return order_decision::nothing();
            return accept(order_rejected{c.reason, state.product_id, now});
          },
          [&](const cancel_order&) {
            if (pending || placed)
              return accept(order_cancelled{state.product_id, now});
            if (state.status == order_status::cancelled)
              return order_decision::nothing();
            return order_decision::reject("not_cancellable",
                                          "order: already delivered or "
                                          "rejected");
          },
          [&](const assign_delivery& c) {
            if (!placed || state.delivery_id)
              return order_decision::nothing();
            return accept(delivery_assigned{c.delivery_id, now});
          },
          [&](const mark_delivered&) {
            if (!placed)
              return order_decision::nothing();
            return accept(order_delivered{now});
          },
          [&](const get_order&) { return order_decision::nothing(); },
      },
      cmd);
}

} // namespace

decision<order_event> decide(const order& state, const order_command& cmd,
                             const command_context& ctx) {
  if (state.exists)
    return decide_existing(state, cmd, ctx.now_ms);
  if (auto* c = std::get_if<create_order>(&cmd))
    return accept(order_created{ctx.entity_id, c->user_id, c->product_id,
                                c->qty, c->address, ctx.now_ms});
  return order_decision::reject("not_found", "order: does not exist");
}

order apply(order state, const order_event& event) {
  std::visit(overloaded{
                 [&](const order_created& e) {
                   state.exists = true;
                   state.id = e.id;
                   state.user_id = e.user_id;
                   state.product_id = e.product_id;
                   state.qty = e.qty;
                   state.address = e.address;
                   state.status = order_status::pending;
                   state.created_at_ms = e.at;
                 },
                 [&](const order_placed& e) {
                   state.status = order_status::placed;
                   state.product_name = e.product_name;
                   state.unit_price = e.unit_price;
                   state.total = e.total;
                 },
                 [&](const order_rejected& e) {
                   state.status = order_status::rejected;
                   state.reason = e.reason;
                 },
                 [&](const order_cancelled&) {
                   state.status = order_status::cancelled;
                 },
                 [&](const delivery_assigned& e) {
                   state.delivery_id = e.delivery_id;
                 },
                 [&](const order_delivered&) {
                   state.status = order_status::delivered;
                 },
             },
             event);
  state.updated_at_ms = std::visit([](const auto& e) { return e.at; }, event);
  return state;
}

bool settled(const order& state) {
  return state.status != order_status::pending;
}

} // namespace mall::domains::orders
