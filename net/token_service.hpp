// Access tokens: HS256 JWTs carrying who the caller is.
#pragma once

#include "domains/common/decision.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mall::net {

class verified_tokens;

/// Who a token speaks for.
struct token_claims {
  /// `sub`: the account's user id.
  std::string user_id;
  /// `customer` or `admin`.
  std::string role;
  std::string username;
  /// Expiry in seconds since the epoch.
  int64_t expires_at = 0;
};

/// Issues and verifies HS256 tokens with one secret.
class token_service {
public:
  token_service(std::string secret, std::chrono::seconds ttl);
  ~token_service();

  /// A token for `who` that expires `ttl` after `now_s` (seconds since the
  /// epoch); `who.expires_at` is ignored.
  std::string issue(const token_claims& who, int64_t now_s) const;

  /// A token for `who` that expires `ttl` from now.
  std::string issue(const token_claims& who) const;

  /// The token's claims when its signature (HS256 with our secret) is valid,
  /// it carries `sub`, `role` and `exp`, and it has not expired. Otherwise
  /// fills `why` with `unauthorized` or `token_expired`. A token whose
  /// signature was checked once is not checked again (`verified_tokens`).
  std::optional<token_claims> verify(std::string_view token,
                                     domains::rejection& why) const;

  std::chrono::seconds ttl() const noexcept { return ttl_; }

private:
  std::optional<token_claims> check_signature(std::string_view token,
                                              domains::rejection& why) const;

  std::string secret_;
  std::chrono::seconds ttl_;
  std::unique_ptr<verified_tokens> verified_;
};

} // namespace mall::net
