#include "domains/accounts/account_codec.hpp"

#include "domains/common/json_object.hpp"

#include <algorithm>
#include <stdexcept>

namespace mall::domains::accounts {

using nlohmann::json;

namespace {

bool is_username_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

std::optional<account_role> role_from(const std::string& text) {
  for (auto role : {account_role::customer, account_role::admin})
    if (text == to_string(role))
      return role;
  return std::nullopt;
}

account_role decode_role(const std::string& text) {
  if (auto role = role_from(text))
    return *role;
  throw std::invalid_argument("unknown account role: " + text);
}

std::optional<account_command> parse_register(const json& body,
                                              rejection& why) {
  auto in =
      json_fields::of_command(body, {"user_id", "username", "password_hash",
                                     "name", "address", "role"});
  register_account cmd;
  cmd.user_id = in.text("user_id", user_id_bounds);
  cmd.username = read_username(in);
  cmd.password_hash = in.untrimmed_text("password_hash", password_hash_bounds);
  cmd.name = in.text("name", name_bounds);
  cmd.address = in.text("address", address_bounds);
  auto role = role_from(in.text("role", {1, 16}));
  if (!role)
    in.fail("role", "must be customer or admin");
  cmd.role = role.value_or(account_role::customer);
  return in.result<account_command>(cmd, why);
}

json encode_view(const account& state) {
  return json_object{}
      .with("user_id", state.user_id)
      .with("username", state.username)
      .with("name", state.name)
      .with("address", state.address)
      .with("role", to_string(state.role))
      .with("created_at", state.created_at);
}

} // namespace

std::string read_username(json_fields& in, const char* key) {
  auto username = in.text(key, username_bounds);
  if (!std::all_of(username.begin(), username.end(), is_username_char))
    in.fail(key, "may only contain a-z, 0-9 and _");
  return username;
}

std::optional<account_command> account_codec::parse_command(const json& body,
                                                            rejection& why) {
  auto type = command_type(body, why);
  if (!type)
    return std::nullopt;
  if (*type == "register")
    return parse_register(body, why);
  if (*type == "get") {
    auto in = json_fields::of_command(body, {});
    return in.result<account_command>(get_account{}, why);
  }
  why = rejection{"invalid_input", "type: unknown command"};
  return std::nullopt;
}

json account_codec::encode_reply(const account& state,
                                 const account_command& cmd) {
  auto view = encode_view(state);
  if (std::holds_alternative<get_account>(cmd))
    view["password_hash"] = state.password_hash;
  return view;
}

json account_codec::encode_event(const account_event& event) {
  const auto& e = std::get<account_registered>(event);
  return json_object{}
      .with("type", "AccountRegistered")
      .with("user_id", e.user_id)
      .with("username", e.username)
      .with("password_hash", e.password_hash)
      .with("name", e.name)
      .with("address", e.address)
      .with("role", to_string(e.role))
      .with("created_at", e.created_at);
}

account_event account_codec::decode_event(const json& j) {
  auto type = j.at("type").get<std::string>();
  if (type != "AccountRegistered")
    throw std::invalid_argument("unknown account event: " + type);
  auto str = [&](const char* key) { return j.at(key).get<std::string>(); };
  return account_registered{str("user_id"),       str("username"),
                            str("password_hash"), str("name"),
                            str("address"),       decode_role(str("role")),
                            str("created_at")};
}

json account_codec::encode_state(const account& state) {
  auto j = encode_view(state);
  j["exists"] = state.exists;
  j["password_hash"] = state.password_hash;
  return j;
}

account account_codec::decode_state(const json& j) {
  auto str = [&](const char* key) { return j.at(key).get<std::string>(); };
  account state;
  state.exists = j.at("exists").get<bool>();
  state.user_id = str("user_id");
  state.username = str("username");
  state.password_hash = str("password_hash");
  state.name = str("name");
  state.address = str("address");
  state.role = decode_role(str("role"));
  state.created_at = str("created_at");
  return state;
}

} // namespace mall::domains::accounts
