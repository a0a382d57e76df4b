// The orders context as the runtime hosts it (the contract of
// domains/common/aggregate.hpp): register `order_aggregate` once at start.
#pragma once

#include "domains/common/aggregate.hpp"
#include "domains/orders/order.hpp"
#include "domains/orders/order_codec.hpp"

namespace mall::domains::orders {

/// An order entity, addressed by its order id ("o_" + hex, chosen by the
/// gateway).
struct order_aggregate {
  static constexpr const char* type_name = "order";
  using state = order;
  using command = order_command;
  using event = order_event;

  static std::optional<command> parse_command(const json& body,
                                              rejection& why) {
    return order_codec::parse_command(body, why);
  }

  static decision<event> decide(const state& s, const command& cmd,
                                const command_context& ctx) {
    return orders::decide(s, cmd, ctx);
  }

  static state apply(state s, const event& ev) {
    return orders::apply(std::move(s), ev);
  }

  /// Lets the runtime answer `{"type": "await"}` once the saga decided.
  static bool settled(const state& s) { return orders::settled(s); }

  static json reply(const state& s, const command& cmd) {
    return order_codec::encode_reply(s, cmd);
  }

  static json encode_event(const event& ev) {
    return order_codec::encode_event(ev);
  }

  static event decode_event(const json& encoded) {
    return order_codec::decode_event(encoded);
  }

  static json encode_state(const state& s) {
    return order_codec::encode_state(s);
  }

  static state decode_state(const json& encoded) {
    return order_codec::decode_state(encoded);
  }
};

} // namespace mall::domains::orders
