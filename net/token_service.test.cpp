#define CAF_SUITE net.token_service
#include "tests/support/caf_test.hpp"

#include "net/token_service.hpp"
#include "net/verified_tokens.hpp"

#include <jwt/jwt.hpp>
#include <nlohmann/json.hpp>

#include <thread>

using namespace mall::net;
using mall::domains::rejection;

namespace {

int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string b64url(const std::string& in) {
  auto out = jwt::base64_encode(in.data(), in.size());
  out.resize(jwt::base64_uri_encode(&out[0], out.size()));
  return out;
}

struct fixture {
  token_service tokens{"test-secret", std::chrono::seconds{3600}};
  token_claims alice{"u_1", "customer", "alice", 0};
  rejection why;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(token_service_tests, fixture)

CAF_TEST(a freshly issued token verifies with its claims) {
  auto claims = tokens.verify(tokens.issue(alice), why);
  CAF_REQUIRE(claims);
  CAF_CHECK_EQUAL(claims->user_id, "u_1");
  CAF_CHECK_EQUAL(claims->role, "customer");
  CAF_CHECK_EQUAL(claims->username, "alice");
  CAF_CHECK(claims->expires_at > now_s() + 3500);
}

CAF_TEST(an expired token is refused as expired) {
  auto token = tokens.issue(alice, now_s() - 7200);
  CAF_CHECK(!tokens.verify(token, why));
  CAF_CHECK_EQUAL(why.code, "token_expired");
}

CAF_TEST(a token verified before is refused once it expires) {
  // Issued so that it expires within a second.
  auto token = tokens.issue(alice, now_s() - 3600 + 1);
  CAF_REQUIRE(tokens.verify(token, why));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  while (tokens.verify(token, why) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  CAF_CHECK(!tokens.verify(token, why));
  CAF_CHECK_EQUAL(why.code, "token_expired");
}

CAF_TEST(a token with a forged signature is unauthorized) {
  auto token = tokens.issue(alice);
  // Verified once: its forged twins must not pass on its account.
  CAF_REQUIRE(tokens.verify(token, why));
  auto dot = token.rfind('.');
  auto forged = token.substr(0, dot + 1) + b64url("not the signature");
  CAF_CHECK(!tokens.verify(forged, why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
}

CAF_TEST(a token with a tampered payload is unauthorized) {
  auto token = tokens.issue(alice);
  CAF_REQUIRE(tokens.verify(token, why));
  auto first = token.find('.');
  auto last = token.rfind('.');
  nlohmann::json claims{
      {"sub", "u_1"}, {"role", "admin"}, {"exp", now_s() + 3600}};
  auto tampered =
      token.substr(0, first + 1) + b64url(claims.dump()) + token.substr(last);
  CAF_CHECK(!tokens.verify(tampered, why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
}

CAF_TEST(an expired token with a forged signature is unauthorized) {
  token_service other{"other-secret", std::chrono::seconds{3600}};
  CAF_CHECK(!tokens.verify(other.issue(alice, now_s() - 7200), why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
}

CAF_TEST(a token signed with another secret is unauthorized) {
  token_service other{"other-secret", std::chrono::seconds{3600}};
  CAF_CHECK(!tokens.verify(other.issue(alice), why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
}

CAF_TEST(an alg none token is unauthorized) {
  nlohmann::json header{{"alg", "none"}, {"typ", "JWT"}};
  nlohmann::json claims{
      {"sub", "u_1"}, {"role", "admin"}, {"exp", now_s() + 3600}};
  auto unsigned_token =
      b64url(header.dump()) + "." + b64url(claims.dump()) + ".";
  CAF_CHECK(!tokens.verify(unsigned_token, why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
  // Same, with a junk signature appended.
  CAF_CHECK(!tokens.verify(unsigned_token + "abc", why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
}

CAF_TEST(a token with another algorithm is unauthorized) {
  nlohmann::json header{{"alg", "HS512"}, {"typ", "JWT"}};
  auto token = tokens.issue(alice);
  auto first = token.find('.');
  CAF_CHECK(!tokens.verify(b64url(header.dump()) + token.substr(first), why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
}

CAF_TEST(garbage is unauthorized) {
  for (auto junk : {"", "abc", "a.b.c", "a..c", "....", "a.b.c.d",
                    "eyJhbGciOjF9.e30.c2ln"}) {
    why = {};
    CAF_CHECK(!tokens.verify(junk, why));
    CAF_CHECK_EQUAL(why.code, "unauthorized");
  }
}

CAF_TEST(a token without exp is unauthorized) {
  // Signed by the library with our secret, but lacking `exp`.
  jwt::jwt_object obj{jwt::params::algorithm("HS256"),
                      jwt::params::secret("test-secret")};
  obj.add_claim("sub", "u_1").add_claim("role", "admin");
  CAF_CHECK(!tokens.verify(obj.signature(), why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(verified tokens start over when full) {
  verified_tokens verified{2};
  token_claims who{"u_1", "customer", "alice", 1};
  verified.add("a", who);
  verified.add("b", who);
  CAF_CHECK_EQUAL(verified.find("a").value_or(token_claims{}).user_id, "u_1");
  CAF_CHECK(!verified.find("c"));
  verified.add("c", who);
  CAF_CHECK_EQUAL(verified.size(), 1u);
  CAF_CHECK(verified.find("c"));
  CAF_CHECK(!verified.find("a"));
}
