// Making sure the operator's admin account exists at start.
#pragma once

#include "actors/entity_gateway.hpp"
#include "net/password_hasher.hpp"

#include <chrono>
#include <string>

namespace mall::net {

/// Outcome of `ensure_admin_account`.
struct admin_account_status {
  /// An admin account with this username and password exists now.
  bool ok = false;
  /// This call registered it.
  bool created = false;
  /// What happened or went wrong, for the log.
  std::string message;
};

/// Registers `username` as an admin with `password` unless it exists, or
/// checks that the existing account is an admin with that password. Blocks
/// (hashing, entity round trips): call it from the node's start-up, never
/// from an io or actor thread.
admin_account_status ensure_admin_account(actors::entity_gateway& entities,
                                          password_hasher& hasher,
                                          const std::string& username,
                                          const std::string& password,
                                          std::chrono::milliseconds timeout);

} // namespace mall::net
