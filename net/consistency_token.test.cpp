#define CAF_SUITE net.consistency_token
#include "tests/support/caf_test.hpp"

#include "net/consistency_token.hpp"

using namespace mall;
using namespace mall::net;

namespace {

std::optional<std::string> read(const char* token, domains::rejection& why) {
  api_request req;
  if (token)
    req.raw.set("X-Consistency-Token", token);
  return read_consistency_token(req, why);
}

} // namespace

CAF_TEST(a missing token reads as empty) {
  domains::rejection why;
  auto token = read(nullptr, why);
  CAF_REQUIRE(token);
  CAF_CHECK_EQUAL(*token, "");
}

CAF_TEST(a well formed token is kept) {
  domains::rejection why;
  auto token = read("1234.56", why);
  CAF_REQUIRE(token);
  CAF_CHECK_EQUAL(*token, "1234.56");
}

CAF_TEST(a malformed token is refused) {
  for (auto bad : {"", "12", "12.", ".3", "a.b", "1.2.3", "-1.2",
                   "123456789012345678901.1"}) {
    domains::rejection why;
    CAF_CHECK(!read(bad, why));
    CAF_CHECK_EQUAL(why.code, "invalid_consistency_token");
  }
}
