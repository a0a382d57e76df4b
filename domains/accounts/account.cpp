#include "domains/accounts/account.hpp"

#include "domains/common/overloaded.hpp"

namespace mall::domains::accounts {

namespace {

using account_decision = decision<account_event>;

account_decision decide_register(const account& state,
                                 const register_account& cmd,
                                 const command_context& ctx) {
  if (cmd.username != ctx.entity_id)
    return account_decision::reject("invalid_input",
                                    "username: does not match the entity id");
  if (state.exists) {
    // The gateway may repeat a signup whose answer it lost.
    if (state.user_id == cmd.user_id)
      return account_decision::nothing();
    return account_decision::reject("username_taken", "username: is taken");
  }
  return account_decision::accept({account_registered{
      cmd.user_id, cmd.username, cmd.password_hash, cmd.name, cmd.address,
      cmd.role, rfc3339(ctx.now_ms)}});
}

} // namespace

decision<account_event> decide(const account& state, const account_command& cmd,
                               const command_context& ctx) {
  return std::visit(overloaded{
                        [&](const register_account& c) {
                          return decide_register(state, c, ctx);
                        },
                        [&](const get_account&) {
                          if (!state.exists)
                            return account_decision::reject(
                                "not_found", "account: does not exist");
                          return account_decision::nothing();
                        },
                    },
                    cmd);
}

account apply(account state, const account_event& event) {
  std::visit(
      overloaded{
          [&](const account_registered& e) {
            state.exists = true;
            state.user_id = e.user_id;
            state.username = e.username;
            state.password_hash = e.password_hash;
            state.name = e.name;
            state.address = e.address;
            state.role = e.role;
            state.created_at = e.created_at;
          },
      },
      event);
  return state;
}

const char* to_string(account_role role) {
  return role == account_role::admin ? "admin" : "customer";
}

} // namespace mall::domains::accounts
