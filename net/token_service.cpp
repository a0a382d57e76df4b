#include "net/token_service.hpp"

#include "net/verified_tokens.hpp"

#include <jwt/jwt.hpp>

#include <limits>

namespace mall::net {

namespace {

// Longer tokens are not ours; refusing them early bounds the work per request.
constexpr size_t max_token_size = 4096;

// Tokens remembered as verified: one per active client, at most 4 MiB.
constexpr size_t verified_capacity = 1024;

int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// Three non-empty base64url parts, so that the decoder never sees anything a
// JWS could not contain (and `alg: none` tokens, which lack a signature, fail).
bool well_formed(std::string_view token) {
  if (token.empty() || token.size() > max_token_size)
    return false;
  int dots = 0;
  char prev = '.';
  for (auto c : token) {
    if (c == '.') {
      if (prev == '.')
        return false;
      ++dots;
    } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
    prev = c;
  }
  return dots == 2 && prev != '.';
}

std::optional<token_claims> refuse(domains::rejection& why, const char* code,
                                   const char* message) {
  why = domains::rejection{code, message};
  return std::nullopt;
}

} // namespace

token_service::token_service(std::string secret, std::chrono::seconds ttl)
    : secret_(std::move(secret)),
      ttl_(ttl),
      verified_(std::make_unique<verified_tokens>(verified_capacity)) {
  // Empty secrets would sign tokens anyone can forge.
  if (secret_.empty())
    throw std::invalid_argument("token_service needs a non-empty secret");
}

token_service::~token_service() = default;

std::string token_service::issue(const token_claims& who, int64_t now_s) const {
  jwt::jwt_object obj{jwt::params::algorithm("HS256"),
                      jwt::params::secret(secret_)};
  obj.add_claim("sub", who.user_id)
      .add_claim("role", who.role)
      .add_claim("username", who.username)
      .add_claim("iat", now_s)
      .add_claim("exp", now_s + ttl_.count());
  return obj.signature();
}

std::string token_service::issue(const token_claims& who) const {
  return issue(who, now_seconds());
}

std::optional<token_claims>
token_service::verify(std::string_view token, domains::rejection& why) const {
  auto claims = verified_->find(token);
  if (!claims) {
    claims = check_signature(token, why);
    if (!claims)
      return std::nullopt;
    verified_->add(token, *claims);
  }
  if (claims->expires_at <= now_seconds())
    return refuse(why, "token_expired", "access token expired");
  return claims;
}

std::optional<token_claims>
token_service::check_signature(std::string_view token,
                               domains::rejection& why) const {
  if (!well_formed(token))
    return refuse(why, "unauthorized", "malformed access token");
  std::error_code ec;
  jwt::jwt_object obj;
  try {
    // The library checks `exp` before the signature; a maximal leeway turns
    // that check off so that a forged expired token reads as forged. The
    // expiry is checked by `verify`, once the signature is known to be ours.
    obj = jwt::decode(jwt::string_view{token.data(), token.size()},
                      jwt::params::algorithms({"HS256"}), ec,
                      jwt::params::secret(secret_),
                      jwt::params::leeway(std::numeric_limits<uint32_t>::max()),
                      jwt::params::verify(true));
  } catch (const std::exception&) {
    // Claims of unexpected JSON types make the decoder throw.
    return refuse(why, "unauthorized", "malformed access token");
  }
  if (ec)
    return refuse(why, "unauthorized", "invalid access token");
  if (obj.header().algo() != jwt::algorithm::HS256)
    return refuse(why, "unauthorized", "invalid access token algorithm");
  const auto& claims = obj.payload().create_json_obj();
  auto sub = claims.find("sub");
  auto role = claims.find("role");
  auto exp = claims.find("exp");
  if (sub == claims.end() || !sub->is_string() || role == claims.end() ||
      !role->is_string() || exp == claims.end() || !exp->is_number_integer())
    return refuse(why, "unauthorized", "access token lacks sub, role or exp");
  token_claims out;
  out.user_id = sub->get<std::string>();
  out.role = role->get<std::string>();
  out.expires_at = exp->get<int64_t>();
  if (auto name = claims.find("username");
      name != claims.end() && name->is_string())
    out.username = name->get<std::string>();
  return out;
}

} // namespace mall::net
