// The order saga as a pure reaction table: which commands an event of an
// order, a product or a delivery causes. The runtime's saga policy feeds it
// every committed event and sends the commands; every command is idempotent
// in its aggregate, so a redelivered event changes nothing.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mall::domains::orders {

/// One command for one entity.
struct saga_command {
  /// Entity type: "order", "product" or "delivery".
  std::string type;
  /// Entity id.
  std::string id;
  /// The command as the entity's codec reads it: `{"type": "reserve", ...}`.
  nlohmann::json body;
  /// The command normally starts the entity's life (it writes on an empty
  /// state), so the runtime need not look for its history first.
  bool expect_new = false;
};

/// The commands that `event` (encoded, `{"type": ...}`) of entity
/// `entity_type`/`entity_id` causes, in the order to send them; none for
/// events the saga ignores and for other entity types. Throws (like the
/// codecs) when an order, product or delivery event is corrupt.
///
/// - order OrderCreated → product `reserve {order_id, qty}`
/// - product StockDecreased → order `confirm_reservation {product_name,
///   unit_price}`; StockDecreaseFailed → order `reject {insufficient_stock}`
/// - order OrderPlaced → delivery `start {order_id, user_id, address}`,
///   expected new
/// - delivery DeliveryStarted → order `assign_delivery {delivery_id}`
/// - order OrderRejected → product `release {order_id}` (a late reservation)
/// - order OrderCancelled → delivery `cancel {order_id}`, then product
///   `release {order_id}`
/// - delivery DeliveryCompleted → order `mark_delivered {}`
std::vector<saga_command> react(const std::string& entity_type,
                                const std::string& entity_id,
                                const nlohmann::json& event);

} // namespace mall::domains::orders
