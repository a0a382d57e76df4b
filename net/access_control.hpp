// Who is calling: bearer tokens and roles.
#pragma once

#include "domains/common/decision.hpp"
#include "net/api_request.hpp"
#include "net/token_service.hpp"

#include <optional>
#include <string_view>

namespace mall::net {

/// The caller's claims from `Authorization: Bearer <token>`; `unauthorized`
/// when the header is missing or not a bearer token, else what
/// `token_service::verify` says.
std::optional<token_claims> authenticate(const api_request& req,
                                         const token_service& tokens,
                                         domains::rejection& why);

/// Like `authenticate`, then `forbidden` unless the caller has `role`.
std::optional<token_claims> require_role(const api_request& req,
                                         const token_service& tokens,
                                         std::string_view role,
                                         domains::rejection& why);

} // namespace mall::net
