#define CAF_SUITE domains.accounts.signup_request
#include "tests/support/caf_test.hpp"

#include "domains/accounts/signup_request.hpp"

#include <string>

using namespace mall::domains;
using namespace mall::domains::accounts;
using nlohmann::json;

namespace {

json valid_body() {
  return json{{"username", "alice_01"},
              {"password", "correct horse"},
              {"name", "Alice Kim"},
              {"address", "Seoul 1"}};
}

std::string outcome(const json& body) {
  rejection why;
  auto req = parse_signup(body, why);
  return req ? "ok" : why.code + " " + why.message;
}

json with(const char* key, json value) {
  auto body = valid_body();
  body[key] = std::move(value);
  return body;
}

} // namespace

CAF_TEST(a valid signup is trimmed except for the password) {
  auto body = valid_body();
  body["username"] = "  alice_01 ";
  body["password"] = " spaced pw ";
  body["name"] = "\xe3\x80\x80"
                 "Alice Kim ";
  rejection why;
  auto req = parse_signup(body, why);
  CAF_REQUIRE(req.has_value());
  CAF_CHECK_EQUAL(req->username, "alice_01");
  CAF_CHECK_EQUAL(req->password, " spaced pw ");
  CAF_CHECK_EQUAL(req->name, "Alice Kim");
  CAF_CHECK_EQUAL(req->address, "Seoul 1");
}

CAF_TEST(usernames are 3 to 32 of lower case letters digits and underscores) {
  CAF_CHECK_EQUAL(outcome(with("username", "abc")), "ok");
  CAF_CHECK_EQUAL(outcome(with("username", std::string(32, 'a'))), "ok");
  CAF_CHECK_EQUAL(outcome(with("username", "ab")),
                  "invalid_input username: must be at least 3 characters");
  CAF_CHECK_EQUAL(outcome(with("username", std::string(33, 'a'))),
                  "invalid_input username: must be at most 32 characters");
  auto alphabet = std::string{"invalid_input username: may only contain a-z, "
                              "0-9 and _"};
  for (auto bad : {"Alice", "ali ce", "ali-ce", "al.ice",
                   "\xed\x95\x9c\xea\xb8\x80\xed\x95\x9c"})
    CAF_CHECK_EQUAL(outcome(with("username", bad)), alphabet);
}

CAF_TEST(passwords are 8 to 128 characters and never blank) {
  CAF_CHECK_EQUAL(outcome(with("password", "12345678")), "ok");
  CAF_CHECK_EQUAL(outcome(with("password", "1234567")),
                  "invalid_input password: must be at least 8 characters");
  CAF_CHECK_EQUAL(outcome(with("password", std::string(128, 'p'))), "ok");
  CAF_CHECK_EQUAL(outcome(with("password", std::string(129, 'p'))),
                  "invalid_input password: must be at most 128 characters");
  CAF_CHECK_EQUAL(outcome(with("password", "          ")),
                  "invalid_input password: must not be blank");
  // Eight Hangul syllables are 24 bytes but 8 characters.
  std::string hangul;
  for (int i = 0; i < 8; ++i)
    hangul += "\xed\x95\x9c";
  CAF_CHECK_EQUAL(outcome(with("password", hangul)), "ok");
}

CAF_TEST(names and addresses are bounded and never blank) {
  CAF_CHECK_EQUAL(outcome(with("name", std::string(100, 'n'))), "ok");
  CAF_CHECK_EQUAL(outcome(with("name", std::string(101, 'n'))),
                  "invalid_input name: must be at most 100 characters");
  CAF_CHECK_EQUAL(outcome(with("name", "   ")),
                  "invalid_input name: must not be blank");
  CAF_CHECK_EQUAL(outcome(with("address", std::string(300, 'a'))), "ok");
  CAF_CHECK_EQUAL(outcome(with("address", std::string(301, 'a'))),
                  "invalid_input address: must be at most 300 characters");
  CAF_CHECK_EQUAL(outcome(with("address", "")),
                  "invalid_input address: must not be blank");
}

CAF_TEST(signup bodies have exactly the four string fields) {
  auto body = valid_body();
  body.erase("address");
  CAF_CHECK_EQUAL(outcome(body), "invalid_input address: is required");
  CAF_CHECK_EQUAL(outcome(with("role", "admin")),
                  "invalid_input role: unknown field");
  CAF_CHECK_EQUAL(outcome(with("type", "register")),
                  "invalid_input type: unknown field");
  CAF_CHECK_EQUAL(outcome(with("name", 5)),
                  "invalid_input name: must be a string");
  CAF_CHECK_EQUAL(outcome(json::array()),
                  "invalid_json body: must be a JSON object");
}
