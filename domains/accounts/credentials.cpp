#include "domains/accounts/credentials.hpp"

#include "domains/common/json_fields.hpp"

namespace mall::domains::accounts {

namespace {

// Generous bounds: beyond them no account can match, and they keep the slow
// password hash from being fed megabytes.
constexpr text_bounds any_username{1, 256};
constexpr text_bounds any_password{1, 1024};

} // namespace

std::optional<credentials> parse_credentials(const nlohmann::json& body,
                                             rejection& why) {
  auto in = json_fields::of_request(body, {"username", "password"});
  credentials creds;
  creds.username = in.text("username", any_username);
  creds.password = in.untrimmed_text("password", any_password);
  return in.result(std::move(creds), why);
}

} // namespace mall::domains::accounts
