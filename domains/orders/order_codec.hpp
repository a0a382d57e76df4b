// JSON encodings of the orders context: commands as the gateway and the saga
// send them, replies, and events and state as the journal and snapshots keep
// them.
#pragma once

#include "domains/common/json_fields.hpp"
#include "domains/orders/order.hpp"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mall::domains::orders {

// -- API.md bounds ------------------------------------------------------------

inline constexpr text_bounds product_id_bounds{1, 64};
inline constexpr integer_bounds qty_bounds{1, 1'000};
inline constexpr text_bounds address_bounds{1, 300};
inline constexpr text_bounds product_name_bounds{1, 200};
inline constexpr integer_bounds unit_price_bounds{0, 1'000'000'000};
/// Ids come from the server; the bounds only guard the journal.
inline constexpr text_bounds user_id_bounds{1, 128};
inline constexpr text_bounds delivery_id_bounds{1, 128};

// -- names --------------------------------------------------------------------

/// `pending`, `placed`, `rejected`, `cancelled` or `delivered`.
const char* to_string(order_status status);

/// `none`, `insufficient_stock` or `timeout`.
const char* to_string(reject_reason reason);

/// The status named `text`; throws std::invalid_argument for another name.
order_status order_status_from(const std::string& text);

/// The reason named `text`; throws std::invalid_argument for another name.
reject_reason reject_reason_from(const std::string& text);

/// Reads and writes the orders context's JSON.
///
/// Commands: `{"type": "create", user_id, product_id, qty, address}`,
/// `confirm_reservation {product_name, unit_price}`, `reject {reason}`
/// (`insufficient_stock` or `timeout`), `cancel {}`, `assign_delivery
/// {delivery_id}`, `mark_delivered {}`, `get {}`. Events carry their name as
/// "type" (`OrderCreated`, `OrderPlaced`, ...) and their time as `at`
/// (milliseconds since the epoch).
struct order_codec {
  /// Validates a command; fills `why` (`invalid_json`/`invalid_input`).
  static std::optional<order_command> parse_command(const nlohmann::json&,
                                                    rejection& why);

  /// The API's order `{id, user_id, product_id, product_name, qty,
  /// unit_price, total, address, status, reason, delivery_id, created_at,
  /// updated_at}`; unknown values are `null`, times RFC 3339.
  static nlohmann::json encode_order(const order& state);

  /// The reply to every command: the order as it is after the command.
  static nlohmann::json encode_reply(const order& state,
                                     const order_command& cmd);

  static nlohmann::json encode_event(const order_event& event);

  /// Throws (nlohmann::json::exception or std::invalid_argument) when the
  /// event is corrupt: a journal that cannot be read is a crash.
  static order_event decode_event(const nlohmann::json& encoded);

  static nlohmann::json encode_state(const order& state);

  /// Throws when the snapshot is corrupt.
  static order decode_state(const nlohmann::json& encoded);
};

} // namespace mall::domains::orders
