// The body of `POST /auth/signup`, validated before the gateway hashes the
// password and registers the account.
#pragma once

#include "domains/common/decision.hpp"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mall::domains::accounts {

/// A valid signup: trimmed username, name and address; the password as sent.
struct signup_request {
  std::string username;
  std::string password;
  std::string name;
  std::string address;
};

/// Applies API.md's rules (username 3–32 of `[a-z0-9_]`, password 8–128,
/// name 1–100, address 1–300 characters, no unknown fields). Fills `why`
/// (`invalid_json` for a non-object, else `invalid_input` naming the field).
std::optional<signup_request> parse_signup(const nlohmann::json& body,
                                           rejection& why);

} // namespace mall::domains::accounts
