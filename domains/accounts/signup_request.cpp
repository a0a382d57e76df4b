#include "domains/accounts/signup_request.hpp"

#include "domains/accounts/account_codec.hpp"

namespace mall::domains::accounts {

std::optional<signup_request> parse_signup(const nlohmann::json& body,
                                           rejection& why) {
  auto in = json_fields::of_request(
      body, {"username", "password", "name", "address"});
  signup_request req;
  req.username = read_username(in);
  // Passwords are kept as typed: trimming them would change the secret.
  req.password = in.untrimmed_text("password", password_bounds);
  req.name = in.text("name", name_bounds);
  req.address = in.text("address", address_bounds);
  return in.result(std::move(req), why);
}

} // namespace mall::domains::accounts
