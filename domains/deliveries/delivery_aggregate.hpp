// The deliveries context as the runtime hosts it (the contract of
// domains/common/aggregate.hpp): register `delivery_aggregate` once at start.
#pragma once

#include "domains/common/aggregate.hpp"
#include "domains/deliveries/delivery.hpp"
#include "domains/deliveries/delivery_codec.hpp"

namespace mall::domains::deliveries {

/// A delivery entity, addressed by `delivery_id_for(order id)`.
struct delivery_aggregate {
  static constexpr const char* type_name = "delivery";
  using state = delivery;
  using command = delivery_command;
  using event = delivery_event;

  static std::optional<command> parse_command(const json& body,
                                              rejection& why) {
    return delivery_codec::parse_command(body, why);
  }

  static decision<event> decide(const state& s, const command& cmd,
                                const command_context& ctx) {
    return deliveries::decide(s, cmd, ctx);
  }

  static state apply(state s, const event& ev) {
    return deliveries::apply(std::move(s), ev);
  }

  static json reply(const state& s, const command& cmd) {
    return delivery_codec::encode_reply(s, cmd);
  }

  static json encode_event(const event& ev) {
    return delivery_codec::encode_event(ev);
  }

  static event decode_event(const json& encoded) {
    return delivery_codec::decode_event(encoded);
  }

  static json encode_state(const state& s) {
    return delivery_codec::encode_state(s);
  }

  static state decode_state(const json& encoded) {
    return delivery_codec::decode_state(encoded);
  }
};

} // namespace mall::domains::deliveries
