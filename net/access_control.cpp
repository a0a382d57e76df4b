#include "net/access_control.hpp"

#include <algorithm>
#include <cctype>

namespace mall::net {

std::optional<token_claims> authenticate(const api_request& req,
                                         const token_service& tokens,
                                         domains::rejection& why) {
  auto header = req.header("Authorization");
  static constexpr std::string_view scheme = "Bearer ";
  if (header.size() <= scheme.size() ||
      !std::equal(scheme.begin(), scheme.end(), header.begin(),
                  [](char a, char b) {
                    return std::tolower(static_cast<unsigned char>(a)) ==
                           std::tolower(static_cast<unsigned char>(b));
                  })) {
    why = domains::rejection{"unauthorized", "a bearer token is required"};
    return std::nullopt;
  }
  auto token = header.substr(scheme.size());
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  return tokens.verify(token, why);
}

std::optional<token_claims> require_role(const api_request& req,
                                         const token_service& tokens,
                                         std::string_view role,
                                         domains::rejection& why) {
  auto claims = authenticate(req, tokens, why);
  if (claims && claims->role != role) {
    why = domains::rejection{"forbidden", "this endpoint is for " +
                                              std::string{role} + " accounts"};
    return std::nullopt;
  }
  return claims;
}

} // namespace mall::net
