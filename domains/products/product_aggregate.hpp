// The products context as the runtime hosts it (the contract of
// domains/common/aggregate.hpp): register `product_aggregate` once at start.
#pragma once

#include "domains/common/aggregate.hpp"
#include "domains/products/product.hpp"
#include "domains/products/product_codec.hpp"

namespace mall::domains::products {

/// A product entity, addressed by its product id.
struct product_aggregate {
  static constexpr const char* type_name = "product";
  using state = product;
  using command = product_command;
  using event = product_event;

  static std::optional<command> parse_command(const json& body,
                                              rejection& why) {
    return product_codec::parse_command(body, why);
  }

  static decision<event> decide(const state& s, const command& cmd,
                                const command_context& ctx) {
    return products::decide(s, cmd, ctx);
  }

  static state apply(state s, const event& ev) {
    return products::apply(std::move(s), ev);
  }

  static json reply(const state& s, const command& cmd) {
    return product_codec::encode_reply(s, cmd);
  }

  static json encode_event(const event& ev) {
    return product_codec::encode_event(ev);
  }

  static event decode_event(const json& encoded) {
    return product_codec::decode_event(encoded);
  }

  static json encode_state(const state& s) {
    return product_codec::encode_state(s);
  }

  static state decode_state(const json& encoded) {
    return product_codec::decode_state(encoded);
  }
};

} // namespace mall::domains::products
