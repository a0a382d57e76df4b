#include "domains/products/product.hpp"

#include "domains/common/overloaded.hpp"

namespace mall::domains::products {

namespace {

using product_decision = decision<product_event>;

product_decision decide_existing(const product& state,
                                 const product_command& cmd) {
  auto accept = [](product_event ev) {
    return product_decision::accept({std::move(ev)});
  };
  return std::visit(
      overloaded{
          [&](const create_product&) {
            return product_decision::reject("already_exists",
                                            "product: already exists");
          },
          [&](const update_product& c) {
            auto name = c.name.value_or(state.name);
            auto price = c.price.value_or(state.price);
            if (name == state.name && price == state.price)
              return product_decision::nothing();
            return accept(product_updated{std::move(name), price});
          },
          [&](const restock_product& c) {
            return accept(stock_increased{c.qty, std::nullopt});
          },
          [&](const get_product&) { return product_decision::nothing(); },
          [&](const reserve_stock& c) {
            // Any earlier outcome for this order stands: never reserve twice.
            if (find_reservation(state, c.order_id))
              return product_decision::nothing();
            if (state.stock < c.qty)
              return accept(
                  stock_decrease_failed{c.order_id, c.qty, state.stock});
            return accept(
                stock_decreased{c.order_id, c.qty, state.name, state.price});
          },
          [&](const release_stock& c) {
            auto* earlier = find_reservation(state, c.order_id);
            if (!earlier)
              return accept(reservation_voided{c.order_id});
            if (earlier->status == reservation_status::reserved)
              return accept(stock_increased{earlier->qty, c.order_id});
            return product_decision::nothing();
          },
      },
      cmd);
}

} // namespace

decision<product_event> decide(const product& state, const product_command& cmd,
                               const command_context& ctx) {
  if (state.exists)
    return decide_existing(state, cmd);
  if (auto* c = std::get_if<create_product>(&cmd))
    return product_decision::accept(
        {product_created{ctx.entity_id, c->name, c->price, c->stock}});
  return product_decision::reject("not_found", "product: does not exist");
}

product apply(product state, const product_event& event) {
  std::visit(overloaded{
                 [&](const product_created& e) {
                   state.exists = true;
                   state.id = e.id;
                   state.name = e.name;
                   state.price = e.price;
                   state.stock = e.stock;
                 },
                 [&](const product_updated& e) {
                   state.name = e.name;
                   state.price = e.price;
                 },
                 [&](const stock_increased& e) {
                   state.stock += e.qty;
                   if (e.order_id)
                     state.reservations[*e.order_id].status =
                         reservation_status::released;
                 },
                 [&](const stock_decreased& e) {
                   state.stock -= e.qty;
                   state.reservations[e.order_id] = order_reservation{
                       reservation_status::reserved, e.qty, e.name, e.price};
                 },
                 [&](const stock_decrease_failed& e) {
                   state.reservations[e.order_id] = order_reservation{
                       reservation_status::failed, e.qty, {}, 0};
                 },
                 [&](const reservation_voided& e) {
                   state.reservations[e.order_id] = order_reservation{
                       reservation_status::released, 0, {}, 0};
                 },
             },
             event);
  return state;
}

const order_reservation* find_reservation(const product& state,
                                          const std::string& order_id) {
  auto i = state.reservations.find(order_id);
  return i == state.reservations.end() ? nullptr : &i->second;
}

} // namespace mall::domains::products
