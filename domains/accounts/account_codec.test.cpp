#define CAF_SUITE domains.accounts.account_codec
#include "tests/support/caf_test.hpp"

#include "domains/accounts/account_codec.hpp"
#include "domains/common/aggregate.hpp"

using namespace mall::domains;
using namespace mall::domains::accounts;
using nlohmann::json;

namespace {

json register_body() {
  return json{{"type", "register"},     {"user_id", "u1"},
              {"username", "alice_01"}, {"password_hash", "$argon2id$x"},
              {"name", " Alice "},      {"address", "Seoul 1"},
              {"role", "customer"}};
}

std::string outcome(const json& body) {
  rejection why;
  auto cmd = account_codec::parse_command(body, why);
  return cmd ? "ok" : why.code + " " + why.message;
}

account sample_account() {
  account a;
  a.exists = true;
  a.user_id = "u1";
  a.username = "alice";
  a.password_hash = "$argon2id$x";
  a.name = "Alice";
  a.address = "Seoul 1";
  a.role = account_role::admin;
  a.created_at = "2026-01-02T03:04:05.006Z";
  return a;
}

} // namespace

CAF_TEST(register reads every field of the account) {
  rejection why;
  auto cmd = account_codec::parse_command(register_body(), why);
  CAF_REQUIRE(cmd.has_value());
  const auto& r = std::get<register_account>(*cmd);
  CAF_CHECK_EQUAL(r.user_id, "u1");
  CAF_CHECK_EQUAL(r.username, "alice_01");
  CAF_CHECK_EQUAL(r.password_hash, "$argon2id$x");
  CAF_CHECK_EQUAL(r.name, "Alice");
  CAF_CHECK(r.role == account_role::customer);
}

CAF_TEST(register refuses bad usernames roles and missing fields) {
  auto body = register_body();
  body["username"] = "Alice";
  CAF_CHECK_EQUAL(outcome(body),
                  "invalid_input username: may only contain a-z, 0-9 and _");
  body = register_body();
  body["role"] = "root";
  CAF_CHECK_EQUAL(outcome(body),
                  "invalid_input role: must be customer or admin");
  body = register_body();
  body.erase("password_hash");
  CAF_CHECK_EQUAL(outcome(body), "invalid_input password_hash: is required");
  body = register_body();
  body["password"] = "secret";
  CAF_CHECK_EQUAL(outcome(body), "invalid_input password: unknown field");
}

CAF_TEST(get takes no fields and other types are unknown) {
  CAF_CHECK_EQUAL(outcome(json{{"type", "get"}}), "ok");
  CAF_CHECK_EQUAL(outcome(json{{"type", "get"}, {"x", 1}}),
                  "invalid_input x: unknown field");
  CAF_CHECK_EQUAL(outcome(json{{"type", "delete"}}),
                  "invalid_input type: unknown command");
  CAF_CHECK_EQUAL(outcome(json("get")),
                  "invalid_json body: must be a JSON object");
}

CAF_TEST(only get replies with the password hash) {
  auto a = sample_account();
  auto registered = account_codec::encode_reply(a, register_account{});
  CAF_CHECK(!registered.contains("password_hash"));
  CAF_CHECK_EQUAL(registered["user_id"], "u1");
  CAF_CHECK_EQUAL(registered["role"], "admin");
  CAF_CHECK_EQUAL(registered["created_at"], "2026-01-02T03:04:05.006Z");
  auto got = account_codec::encode_reply(a, get_account{});
  CAF_CHECK_EQUAL(got["password_hash"], "$argon2id$x");
}

CAF_TEST(the registered event survives a round trip through json) {
  account_event ev = account_registered{
      "u1", "alice", "$h", "Alice", "Seoul", account_role::admin, "2026-01-01"};
  auto encoded = account_codec::encode_event(ev);
  CAF_CHECK_EQUAL(event_type_of(encoded), "AccountRegistered");
  auto decoded = account_codec::decode_event(json::parse(encoded.dump()));
  CAF_CHECK_EQUAL(account_codec::encode_event(decoded), encoded);
}

CAF_TEST(corrupt account events throw when decoded) {
  auto throws = [](const json& j) {
    try {
      account_codec::decode_event(j);
      return false;
    } catch (const std::exception&) {
      return true;
    }
  };
  CAF_CHECK(throws(json{{"type", "AccountDeleted"}}));
  auto bad_role = account_codec::encode_event(account_registered{});
  bad_role["role"] = "root";
  CAF_CHECK(throws(bad_role));
  auto missing = account_codec::encode_event(account_registered{});
  missing.erase("username");
  CAF_CHECK(throws(missing));
}

CAF_TEST(account state survives a snapshot round trip) {
  auto encoded = account_codec::encode_state(sample_account());
  auto decoded = account_codec::decode_state(json::parse(encoded.dump()));
  CAF_CHECK_EQUAL(account_codec::encode_state(decoded), encoded);
  CAF_CHECK_EQUAL(decoded.password_hash, "$argon2id$x");
  CAF_CHECK(decoded.role == account_role::admin);
  auto empty = account_codec::decode_state(account_codec::encode_state({}));
  CAF_CHECK(!empty.exists);
}
