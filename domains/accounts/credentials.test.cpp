#define CAF_SUITE domains.accounts.credentials
#include "tests/support/caf_test.hpp"

#include "domains/accounts/credentials.hpp"

#include <string>

using namespace mall::domains;
using namespace mall::domains::accounts;
using nlohmann::json;

namespace {

std::string outcome(const json& body) {
  rejection why;
  auto creds = parse_credentials(body, why);
  return creds ? "ok" : why.code + " " + why.message;
}

} // namespace

CAF_TEST(credentials are a username and a password) {
  rejection why;
  auto body = json{{"username", " alice "}, {"password", " pw "}};
  auto creds = parse_credentials(body, why);
  CAF_REQUIRE(creds.has_value());
  CAF_CHECK_EQUAL(creds->username, "alice");
  CAF_CHECK_EQUAL(creds->password, " pw ");
}

CAF_TEST(credentials that break the signup rules are still credentials) {
  // Refusing them is the job of the password check (401), not of the parser.
  CAF_CHECK_EQUAL(outcome(json{{"username", "Al"}, {"password", "x"}}), "ok");
}

CAF_TEST(credentials must be two strings and nothing else) {
  CAF_CHECK_EQUAL(outcome(json{{"username", "alice"}}),
                  "invalid_input password: is required");
  CAF_CHECK_EQUAL(outcome(json{{"password", "secret12"}}),
                  "invalid_input username: is required");
  CAF_CHECK_EQUAL(outcome(json{{"username", 1}, {"password", "secret12"}}),
                  "invalid_input username: must be a string");
  CAF_CHECK_EQUAL(
      outcome(json{{"username", "a"}, {"password", "b"}, {"remember", true}}),
      "invalid_input remember: unknown field");
  CAF_CHECK_EQUAL(outcome(json("alice")),
                  "invalid_json body: must be a JSON object");
}
