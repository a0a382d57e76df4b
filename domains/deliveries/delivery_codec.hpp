// JSON encodings of the deliveries context: commands as the saga and the
// gateway send them, replies, and events and state as the journal and
// snapshots keep them.
#pragma once

#include "domains/common/json_fields.hpp"
#include "domains/deliveries/delivery.hpp"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mall::domains::deliveries {

// -- bounds -------------------------------------------------------------------

inline constexpr text_bounds address_bounds{1, 300};
/// Ids come from the server; the bounds only guard the journal.
inline constexpr text_bounds order_id_bounds{1, 128};
inline constexpr text_bounds user_id_bounds{1, 128};

/// `none`, `started`, `completed`, `cancelled` or `voided`.
const char* to_string(delivery_status status);

/// The status named `text`; throws std::invalid_argument for another name.
delivery_status delivery_status_from(const std::string& text);

/// Reads and writes the deliveries context's JSON.
///
/// Commands: `{"type": "start", order_id, user_id, address}`, `cancel
/// {order_id}`, `complete {}`, `get {}`. Events carry their name as "type"
/// (`DeliveryStarted`, ...) and their time as `at` (ms since the epoch).
struct delivery_codec {
  /// Validates a command; fills `why` (`invalid_json`/`invalid_input`).
  static std::optional<delivery_command> parse_command(const nlohmann::json&,
                                                       rejection& why);

  /// The API's delivery `{id, order_id, user_id, address, status,
  /// created_at, updated_at}`. Only the saga sees a voided delivery (the
  /// reply to its cancel): status `voided`, unknown values `null`.
  static nlohmann::json encode_delivery(const delivery& state);

  /// The reply to every command: the delivery after the command.
  static nlohmann::json encode_reply(const delivery& state,
                                     const delivery_command& cmd);

  static nlohmann::json encode_event(const delivery_event& event);

  /// Throws (nlohmann::json::exception or std::invalid_argument) when the
  /// event is corrupt: a journal that cannot be read is a crash.
  static delivery_event decode_event(const nlohmann::json& encoded);

  static nlohmann::json encode_state(const delivery& state);

  /// Throws when the snapshot is corrupt.
  static delivery decode_state(const nlohmann::json& encoded);
};

} // namespace mall::domains::deliveries
