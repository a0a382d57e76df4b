#define CAF_SUITE net.access_control
#include "tests/support/caf_test.hpp"

#include "net/access_control.hpp"

using namespace mall;
using namespace mall::net;

namespace {

struct fixture {
  token_service tokens{"secret", std::chrono::seconds{60}};
  domains::rejection why;

  api_request with_auth(const std::string& value) {
    api_request req;
    req.raw.set("Authorization", value);
    return req;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(access_control_tests, fixture)

CAF_TEST(a bearer token identifies the caller) {
  auto token = tokens.issue({"u_1", "customer", "alice", 0});
  auto claims = authenticate(with_auth("Bearer " + token), tokens, why);
  CAF_REQUIRE(claims);
  CAF_CHECK_EQUAL(claims->user_id, "u_1");
  CAF_CHECK(authenticate(with_auth("bearer " + token), tokens, why));
}

CAF_TEST(a missing or non bearer authorization is unauthorized) {
  CAF_CHECK(!authenticate(api_request{}, tokens, why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
  CAF_CHECK(!authenticate(with_auth("Basic dXNlcjpwdw=="), tokens, why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
  CAF_CHECK(!authenticate(with_auth("Bearer "), tokens, why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
}

CAF_TEST(a role check forbids other roles) {
  auto customer = "Bearer " + tokens.issue({"u_1", "customer", "alice", 0});
  auto admin = "Bearer " + tokens.issue({"u_2", "admin", "root", 0});
  CAF_CHECK(!require_role(with_auth(customer), tokens, "admin", why));
  CAF_CHECK_EQUAL(why.code, "forbidden");
  CAF_CHECK(require_role(with_auth(admin), tokens, "admin", why));
  CAF_CHECK(!require_role(api_request{}, tokens, "admin", why));
  CAF_CHECK_EQUAL(why.code, "unauthorized");
}

CAF_TEST_FIXTURE_SCOPE_END()
