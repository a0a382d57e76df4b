// The accounts context as the runtime hosts it (the contract of
// domains/common/aggregate.hpp): register `account_aggregate` once at start.
#pragma once

#include "domains/accounts/account.hpp"
#include "domains/accounts/account_codec.hpp"
#include "domains/common/aggregate.hpp"

namespace mall::domains::accounts {

/// An account entity, addressed by its username.
struct account_aggregate {
  static constexpr const char* type_name = "account";
  using state = account;
  using command = account_command;
  using event = account_event;

  static std::optional<command> parse_command(const json& body,
                                              rejection& why) {
    return account_codec::parse_command(body, why);
  }

  static decision<event> decide(const state& s, const command& cmd,
                                const command_context& ctx) {
    return accounts::decide(s, cmd, ctx);
  }

  static state apply(state s, const event& ev) {
    return accounts::apply(std::move(s), ev);
  }

  static json reply(const state& s, const command& cmd) {
    return account_codec::encode_reply(s, cmd);
  }

  static json encode_event(const event& ev) {
    return account_codec::encode_event(ev);
  }

  static event decode_event(const json& encoded) {
    return account_codec::decode_event(encoded);
  }

  static json encode_state(const state& s) {
    return account_codec::encode_state(s);
  }

  static state decode_state(const json& encoded) {
    return account_codec::decode_state(encoded);
  }
};

} // namespace mall::domains::accounts
