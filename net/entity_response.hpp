// Turning an entity's reply into the HTTP answer.
#pragma once

#include "actors/entity_messages.hpp"
#include "net/api_response.hpp"

#include <string_view>

namespace mall::net {

/// The reply's body with `ok_status`, or its error through `api_error`. A
/// successful write (non-empty position) carries `X-Consistency-Token`.
api_response entity_response(const actors::entity_reply& reply,
                             boost::beast::http::status ok_status,
                             std::string_view trace_id);

} // namespace mall::net
