// `POST /auth/signup` and `POST /auth/token`.
#pragma once

#include "net/gateway_services.hpp"
#include "net/http_settings.hpp"
#include "net/request_router.hpp"

#include <string>

namespace mall::net {

/// Entity type of accounts; their entity id is the username.
inline constexpr const char* account_entity_type = "account";

/// What a new account is made of, after validation and hashing.
struct new_account {
  std::string user_id;
  std::string username;
  std::string password_hash;
  std::string name;
  std::string address;
  /// `customer` or `admin`.
  std::string role;
};

/// The account entity's `register` command as JSON text.
std::string register_command(const new_account& account);

/// Signup hashes the password on the hasher's pool, then registers the
/// account under a new user id; token checks the password the same way and
/// issues a bearer token.
void add_account_routes(request_router& router,
                        const gateway_services& services,
                        const http_settings& settings);

} // namespace mall::net
