// The orders bounded context: one customer's order of one product, driven
// from pending to its outcome by the saga (domains/orders/order_saga.hpp).
#pragma once

#include "domains/common/decision.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace mall::domains::orders {

// -- state --------------------------------------------------------------------

/// Where an order stands: `pending` until the saga decides, then `placed` or
/// `rejected`; `placed` moves on to `delivered`; `pending`/`placed` may be
/// `cancelled`.
enum class order_status { pending, placed, rejected, cancelled, delivered };

/// Why an order was rejected (`none` unless it was).
enum class reject_reason { none, insufficient_stock, timeout };

/// An order. Default-constructed means it does not exist.
struct order {
  bool exists = false;
  std::string id;
  std::string user_id;
  std::string product_id;
  int64_t qty = 0;
  std::string address;
  order_status status = order_status::pending;
  reject_reason reason = reject_reason::none;
  /// Set once the delivery started.
  std::optional<std::string> delivery_id;
  /// Captured when the stock was reserved; never changed afterwards.
  std::optional<std::string> product_name;
  std::optional<int64_t> unit_price;
  std::optional<int64_t> total;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// -- commands -----------------------------------------------------------------

/// Opens the order under the entity id. Repeating it with the same fields
/// (an `Idempotency-Key` repeat) changes nothing.
struct create_order {
  std::string user_id;
  std::string product_id;
  int64_t qty = 0;
  std::string address;
};

/// The saga reserved the stock: the order is placed at these terms.
struct confirm_reservation {
  std::string product_name;
  int64_t unit_price = 0;
};

/// The saga (no stock) or the timeout sweeper gives up on a pending order.
struct reject_order {
  reject_reason reason = reject_reason::insufficient_stock;
};

/// The owner or an admin cancels the order.
struct cancel_order {};

/// The saga started the order's delivery.
struct assign_delivery {
  std::string delivery_id;
};

/// The saga saw the delivery completed.
struct mark_delivered {};

/// Reads the order.
struct get_order {};

/// Every command an order accepts.
using order_command =
    std::variant<create_order, confirm_reservation, reject_order, cancel_order,
                 assign_delivery, mark_delivered, get_order>;

// -- events -------------------------------------------------------------------

/// `OrderCreated`: a pending order; `id` is the entity id.
struct order_created {
  std::string id;
  std::string user_id;
  std::string product_id;
  int64_t qty = 0;
  std::string address;
  int64_t at = 0;
};

/// `OrderPlaced`: the stock is reserved. Carries the owner and address so the
/// saga starts the delivery from this event alone.
struct order_placed {
  std::string product_name;
  int64_t unit_price = 0;
  int64_t total = 0;
  std::string user_id;
  std::string address;
  int64_t at = 0;
};

/// `OrderRejected`: carries the product so the saga releases a reservation
/// that may still land.
struct order_rejected {
  reject_reason reason = reject_reason::insufficient_stock;
  std::string product_id;
  int64_t at = 0;
};

/// `OrderCancelled`: carries the product so the saga gives the stock back.
struct order_cancelled {
  std::string product_id;
  int64_t at = 0;
};

/// `DeliveryAssigned`: the delivery of a placed order started.
struct delivery_assigned {
  std::string delivery_id;
  int64_t at = 0;
};

/// `OrderDelivered`.
struct order_delivered {
  int64_t at = 0;
};

/// Every event an order records.
using order_event =
    std::variant<order_created, order_placed, order_rejected, order_cancelled,
                 delivery_assigned, order_delivered>;

// -- behaviour ----------------------------------------------------------------

/// Decides what `cmd` does to `state`. Rejections: `not_found` for any
/// command but create on an order that does not exist,
/// `idempotency_key_reused` for a create that differs from the existing
/// order, `not_cancellable` for cancelling a delivered or rejected order.
/// Saga commands that come too late or twice record nothing.
decision<order_event> decide(const order& state, const order_command& cmd,
                             const command_context& ctx);

/// Folds one event into the state.
order apply(order state, const order_event& event);

/// Whether the saga has decided the order (anything but `pending`): what
/// `POST /orders` waits for.
bool settled(const order& state);

} // namespace mall::domains::orders
