// The `X-Consistency-Token` a client sends back to read its own writes.
#pragma once

#include "domains/common/decision.hpp"
#include "net/api_request.hpp"

#include <optional>
#include <string>

namespace mall::net {

/// The request's token ("tx.offset", both decimal), empty when it sent none;
/// `invalid_consistency_token` when it is malformed.
std::optional<std::string> read_consistency_token(const api_request& req,
                                                  domains::rejection& why);

} // namespace mall::net
