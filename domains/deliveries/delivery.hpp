// The deliveries bounded context: the shipment of one placed order. There is
// at most one per order: its id is derived from the order id.
#pragma once

#include "domains/common/decision.hpp"

#include <cstdint>
#include <string>
#include <variant>

namespace mall::domains::deliveries {

/// The delivery id of an order: "d_" + the order id without its "o_" prefix
/// (an id without that prefix is kept whole).
std::string delivery_id_for(const std::string& order_id);

// -- state --------------------------------------------------------------------

/// `none`: never started. `voided`: cancelled before it started, so a late
/// start is refused.
enum class delivery_status { none, started, completed, cancelled, voided };

/// A delivery. Default-constructed means it never started.
struct delivery {
  std::string id;
  std::string order_id;
  std::string user_id;
  std::string address;
  delivery_status status = delivery_status::none;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// -- commands -----------------------------------------------------------------

/// The saga starts the delivery of a placed order.
struct start_delivery {
  std::string order_id;
  std::string user_id;
  std::string address;
};

/// The saga cancels the delivery of a cancelled order, started or not.
struct cancel_delivery {
  std::string order_id;
};

/// An admin marks the delivery done.
struct complete_delivery {};

/// Reads the delivery.
struct get_delivery {};

/// Every command a delivery accepts.
using delivery_command = std::variant<start_delivery, cancel_delivery,
                                      complete_delivery, get_delivery>;

// -- events -------------------------------------------------------------------

/// `DeliveryStarted`.
struct delivery_started {
  std::string order_id;
  std::string user_id;
  std::string address;
  int64_t at = 0;
};

/// `DeliveryCancelled`: a started delivery stopped.
struct delivery_cancelled {
  int64_t at = 0;
};

/// `DeliveryVoided`: cancelled before it started; it never will.
struct delivery_voided {
  std::string order_id;
  int64_t at = 0;
};

/// `DeliveryCompleted`: carries the order so the saga marks it delivered.
struct delivery_completed {
  std::string order_id;
  int64_t at = 0;
};

/// Every event a delivery records.
using delivery_event = std::variant<delivery_started, delivery_cancelled,
                                    delivery_voided, delivery_completed>;

// -- behaviour ----------------------------------------------------------------

/// Decides what `cmd` does to `state`. Rejections: `invalid_input` when a
/// command's order does not own this delivery id, `not_found` for get and
/// complete before the start (or after a void), `delivery_cancelled` for
/// completing a cancelled delivery. Repeats record nothing.
decision<delivery_event> decide(const delivery& state,
                                const delivery_command& cmd,
                                const command_context& ctx);

/// Folds one event into the state.
delivery apply(delivery state, const delivery_event& event);

/// Whether the delivery is visible: started, completed or cancelled.
bool visible(const delivery& state);

} // namespace mall::domains::deliveries
