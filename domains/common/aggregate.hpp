// The contract between a bounded context and the runtime.
//
// The runtime's entity actor (`actors/entity.hpp`) hosts any type that
// provides the members below; the runtime never looks inside state, commands
// or events, it only moves their JSON encodings between the gateway, the
// journal and other nodes.
//
//   struct product_aggregate {
//     /// Entity type name; also the prefix of its journal persistence ids.
//     static constexpr const char* type_name = "product";
//     using state = ...;   // default-constructed means "does not exist yet"
//     using command = ...; // usually a std::variant of command structs
//     using event = ...;   // usually a std::variant of event structs
//
//     // Decodes and validates a command ({"type": "...", ...}). On failure
//     // fills `why` (code `invalid_input` or `invalid_json`, the message
//     // names the field) and returns std::nullopt.
//     static std::optional<command> parse_command(const nlohmann::json&,
//                                                 domains::rejection& why);
//     static domains::decision<event> decide(const state&, const command&,
//                                            const domains::command_context&);
//     static state apply(state, const event&);
//
//     // Reply body once the command's events are applied (e.g. the product).
//     static nlohmann::json reply(const state&, const command&);
//
//     // Journal and snapshot codecs. Encoded events carry {"type": "..."}.
//     static nlohmann::json encode_event(const event&);
//     static event decode_event(const nlohmann::json&); // throws if corrupt
//     static nlohmann::json encode_state(const state&);
//     static state decode_state(const nlohmann::json&);
//   };
#pragma once

#include "domains/common/decision.hpp"

#include <nlohmann/json.hpp>

namespace mall::domains {

using json = nlohmann::json;

/// Returns the variant alternative's event name (`"type"`) of an encoded
/// event, the key the journal stores next to the payload.
inline std::string event_type_of(const json& encoded) {
  return encoded.at("type").get<std::string>();
}

} // namespace mall::domains
