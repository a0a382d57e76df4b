#include "domains/orders/order_saga.hpp"

#include "domains/common/json_object.hpp"
#include "domains/common/overloaded.hpp"
#include "domains/deliveries/delivery_aggregate.hpp"
#include "domains/orders/order_aggregate.hpp"
#include "domains/products/product_aggregate.hpp"

namespace mall::domains::orders {

using nlohmann::json;

namespace {

using commands = std::vector<saga_command>;

constexpr const char* order_type = order_aggregate::type_name;
constexpr const char* product_type = products::product_aggregate::type_name;
constexpr const char* delivery_type = deliveries::delivery_aggregate::type_name;

saga_command to_order(const std::string& order_id, json body) {
  return {order_type, order_id, std::move(body)};
}

saga_command release(const std::string& product_id,
                     const std::string& order_id) {
  return {product_type, product_id,
          json_object{}.with("type", "release").with("order_id", order_id)};
}

commands react_to_order(const std::string& order_id, const json& encoded) {
  const auto delivery_id = deliveries::delivery_id_for(order_id);
  return std::visit(
      overloaded{
          [&](const order_created& e) -> commands {
            return {{product_type, e.product_id,
                     json_object{}
                         .with("type", "reserve")
                         .with("order_id", order_id)
                         .with("qty", e.qty)}};
          },
          [&](const order_placed& e) -> commands {
            return {{delivery_type, delivery_id,
                     json_object{}
                         .with("type", "start")
                         .with("order_id", order_id)
                         .with("user_id", e.user_id)
                         .with("address", e.address),
                     true}};
          },
          [&](const order_rejected& e) -> commands {
            return {release(e.product_id, order_id)};
          },
          [&](const order_cancelled& e) -> commands {
            // The delivery first: API.md's order is DeliveryCancelled, then
            // StockIncreased.
            return {{delivery_type, delivery_id,
                     json_object{}
                         .with("type", "cancel")
                         .with("order_id", order_id)},
                    release(e.product_id, order_id)};
          },
          [&](const delivery_assigned&) -> commands { return {}; },
          [&](const order_delivered&) -> commands { return {}; },
      },
      order_codec::decode_event(encoded));
}

commands react_to_product(const json& encoded) {
  using namespace products;
  return std::visit(
      overloaded{
          [&](const stock_decreased& e) -> commands {
            return {
                to_order(e.order_id, json_object{}
                                         .with("type", "confirm_reservation")
                                         .with("product_name", e.name)
                                         .with("unit_price", e.price))};
          },
          [&](const stock_decrease_failed& e) -> commands {
            return {to_order(e.order_id,
                             json_object{}
                                 .with("type", "reject")
                                 .with("reason", "insufficient_stock"))};
          },
          [&](const auto&) -> commands { return {}; },
      },
      product_codec::decode_event(encoded));
}

commands react_to_delivery(const std::string& delivery_id,
                           const json& encoded) {
  using namespace deliveries;
  return std::visit(
      overloaded{
          [&](const delivery_started& e) -> commands {
            return {
                to_order(e.order_id, json_object{}
                                         .with("type", "assign_delivery")
                                         .with("delivery_id", delivery_id))};
          },
          [&](const delivery_completed& e) -> commands {
            return {to_order(e.order_id,
                             json_object{}.with("type", "mark_delivered"))};
          },
          [&](const auto&) -> commands { return {}; },
      },
      delivery_codec::decode_event(encoded));
}

} // namespace

std::vector<saga_command> react(const std::string& entity_type,
                                const std::string& entity_id,
                                const json& event) {
  if (entity_type == order_type)
    return react_to_order(entity_id, event);
  if (entity_type == product_type)
    return react_to_product(event);
  if (entity_type == delivery_type)
    return react_to_delivery(entity_id, event);
  return {};
}

} // namespace mall::domains::orders
