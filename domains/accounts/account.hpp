// The accounts bounded context: who may log in, with which role. Passwords
// arrive already hashed: the domain stays free of crypto.
#pragma once

#include "domains/common/decision.hpp"

#include <string>
#include <variant>

namespace mall::domains::accounts {

// -- state --------------------------------------------------------------------

/// What an account may do; becomes the token's `role` claim.
enum class account_role { customer, admin };

/// A user account; its entity id is the username. Default-constructed means
/// it does not exist.
struct account {
  bool exists = false;
  std::string user_id;
  std::string username;
  /// An argon2id encoded hash made by the gateway.
  std::string password_hash;
  std::string name;
  std::string address;
  account_role role = account_role::customer;
  /// RFC 3339 UTC.
  std::string created_at;
};

// -- commands -----------------------------------------------------------------

/// Creates the account under the entity id (which must be `username`).
struct register_account {
  std::string user_id;
  std::string username;
  std::string password_hash;
  std::string name;
  std::string address;
  account_role role = account_role::customer;
};

/// Reads the account, password hash included (for the gateway's login).
struct get_account {};

/// Every command an account accepts.
using account_command = std::variant<register_account, get_account>;

// -- events -------------------------------------------------------------------

/// `AccountRegistered`.
struct account_registered {
  std::string user_id;
  std::string username;
  std::string password_hash;
  std::string name;
  std::string address;
  account_role role = account_role::customer;
  std::string created_at;
};

/// Every event an account records.
using account_event = std::variant<account_registered>;

// -- behaviour ----------------------------------------------------------------

/// Decides what `cmd` does to `state`. Rejections: `username_taken` when
/// another user holds the username (registering again with the same user id
/// is an idempotent repeat), `not_found` for get on a missing account,
/// `invalid_input` when the username is not the entity id.
decision<account_event> decide(const account& state, const account_command& cmd,
                               const command_context& ctx);

/// Folds one event into the state.
account apply(account state, const account_event& event);

/// `customer` or `admin`.
const char* to_string(account_role role);

} // namespace mall::domains::accounts
