// Reading a request body as the JSON object a command needs.
#pragma once

#include "domains/common/decision.hpp"
#include "net/api_request.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>

namespace mall::net {

/// Whether `content_type` is `application/json`, parameters allowed.
bool is_json_media_type(std::string_view content_type);

/// The body as a JSON object. Fails with `unsupported_media_type` for a body
/// that is not declared as JSON, `invalid_json` for an empty, malformed or
/// non-object body, and `invalid_input` for a `type` key (commands are named
/// by the endpoint, never by the client).
std::optional<nlohmann::json> read_json_object(const api_request& req,
                                               domains::rejection& why);

} // namespace mall::net
