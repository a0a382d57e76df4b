// The paging and consistency parameters every list endpoint takes, and the
// envelope every list answers with.
#pragma once

#include "domains/common/decision.hpp"
#include "net/api_request.hpp"
#include "net/api_response.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace mall::net {

/// `?limit=`, `?cursor=` and `X-Consistency-Token` of a list request.
struct list_request {
  /// 1..100, default 20.
  int limit = 20;
  /// Opaque; empty for the first page.
  std::string cursor;
  /// The client's consistency token, empty when it sent none.
  std::string min_position;
};

/// The list parameters of `req`; `invalid_input` naming `limit` or `cursor`
/// when one is malformed, `invalid_consistency_token` for a bad token.
std::optional<list_request> read_list_request(const api_request& req,
                                              domains::rejection& why);

/// 200 `{"items": [...], "next_cursor": "..." | null}`, with
/// `X-Consistency: stale` when the read model had not caught up.
api_response list_response(nlohmann::json items,
                           const std::optional<std::string>& next_cursor,
                           bool stale);

} // namespace mall::net
