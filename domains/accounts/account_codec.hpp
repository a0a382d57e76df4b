// JSON encodings of the accounts context: commands as the gateway sends
// them, replies, and events and state as the journal and snapshots keep them.
#pragma once

#include "domains/accounts/account.hpp"
#include "domains/common/json_fields.hpp"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mall::domains::accounts {

// -- API.md bounds ------------------------------------------------------------

inline constexpr text_bounds username_bounds{3, 32};
inline constexpr text_bounds password_bounds{8, 128};
inline constexpr text_bounds name_bounds{1, 100};
inline constexpr text_bounds address_bounds{1, 300};
/// User ids and hashes come from the gateway; the bounds guard the journal.
inline constexpr text_bounds user_id_bounds{1, 128};
inline constexpr text_bounds password_hash_bounds{1, 1024};

/// Reads a username: trimmed, 3 to 32 of `[a-z0-9_]` (upper case refused).
std::string read_username(json_fields& in, const char* key = "username");

/// Reads and writes the accounts context's JSON.
///
/// Commands: `{"type": "register", user_id, username, password_hash, name,
/// address, role}` and `get {}`. Events carry their name as "type"
/// (`AccountRegistered`).
struct account_codec {
  /// Validates a command; fills `why` (`invalid_json`/`invalid_input`).
  static std::optional<account_command> parse_command(const nlohmann::json&,
                                                      rejection& why);

  /// `{user_id, username, name, address, role, created_at}`; get adds
  /// `password_hash` (for the gateway only, never for clients).
  static nlohmann::json encode_reply(const account& state,
                                     const account_command& cmd);

  static nlohmann::json encode_event(const account_event& event);

  /// Throws when the event is corrupt.
  static account_event decode_event(const nlohmann::json& encoded);

  static nlohmann::json encode_state(const account& state);

  /// Throws when the snapshot is corrupt.
  static account decode_state(const nlohmann::json& encoded);
};

} // namespace mall::domains::accounts
