// The body of `POST /auth/token`.
#pragma once

#include "domains/common/decision.hpp"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mall::domains::accounts {

/// A login attempt. Neither field is checked against the signup rules: a
/// wrong value is `invalid_credentials` (401), not a malformed body.
struct credentials {
  /// Trimmed.
  std::string username;
  /// As sent.
  std::string password;
};

/// Requires an object with exactly the strings `username` and `password`;
/// fills `why` (`invalid_json` or `invalid_input`) otherwise.
std::optional<credentials> parse_credentials(const nlohmann::json& body,
                                             rejection& why);

} // namespace mall::domains::accounts
