#define CAF_SUITE domains.accounts.account_aggregate
#include "tests/support/caf_test.hpp"

#include "domains/accounts/account_aggregate.hpp"

#include <string>
#include <type_traits>
#include <vector>

using namespace mall::domains;
using namespace mall::domains::accounts;
using nlohmann::json;

namespace {

using agg = account_aggregate;

// The signatures the runtime's entity actor template calls.
static_assert(
    std::is_same_v<decltype(&agg::parse_command),
                   std::optional<agg::command> (*)(const json&, rejection&)>);
static_assert(std::is_same_v<decltype(&agg::decide),
                             decision<agg::event> (*)(const agg::state&,
                                                      const agg::command&,
                                                      const command_context&)>);
static_assert(std::is_same_v<decltype(&agg::apply),
                             agg::state (*)(agg::state, const agg::event&)>);
static_assert(std::is_same_v<decltype(&agg::reply),
                             json (*)(const agg::state&, const agg::command&)>);
static_assert(
    std::is_same_v<decltype(&agg::decode_event), agg::event (*)(const json&)>);
static_assert(
    std::is_same_v<decltype(&agg::decode_state), agg::state (*)(const json&)>);

// Plays the entity actor of account "alice": JSON in, journal, JSON out.
struct fixture {
  agg::state state;
  std::vector<json> journal;

  json send(const json& body) {
    rejection why;
    auto cmd = agg::parse_command(body, why);
    if (!cmd)
      return json{{"error", why.code}};
    auto d = agg::decide(state, *cmd, command_context{"alice", 0});
    if (d.rejected())
      return json{{"error", d.error->code}};
    for (const auto& ev : d.events) {
      journal.push_back(json::parse(agg::encode_event(ev).dump()));
      state = agg::apply(std::move(state), agg::decode_event(journal.back()));
    }
    return agg::reply(state, *cmd);
  }

  static json register_body(const char* user_id) {
    return json{{"type", "register"},  {"user_id", user_id},
                {"username", "alice"}, {"password_hash", "$argon2id$x"},
                {"name", "Alice"},     {"address", "Seoul"},
                {"role", "customer"}};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(account_aggregate_tests, fixture)

CAF_TEST(the aggregate is registered under the type name account) {
  CAF_CHECK_EQUAL(std::string{agg::type_name}, "account");
}

CAF_TEST(an account is registered once and read back in json alone) {
  auto missing = send(json{{"type", "get"}});
  CAF_CHECK_EQUAL(missing["error"], "not_found");
  auto registered = send(register_body("u1"));
  CAF_CHECK_EQUAL(registered["user_id"], "u1");
  CAF_CHECK_EQUAL(registered["created_at"], "1970-01-01T00:00:00.000Z");
  CAF_CHECK(!registered.contains("password_hash"));
  auto repeated = send(register_body("u1"));
  CAF_CHECK_EQUAL(repeated["user_id"], "u1");
  auto taken = send(register_body("u2"));
  CAF_CHECK_EQUAL(taken["error"], "username_taken");
  auto got = send(json{{"type", "get"}});
  CAF_CHECK_EQUAL(got["password_hash"], "$argon2id$x");
  CAF_REQUIRE_EQUAL(journal.size(), 1u);
  CAF_CHECK_EQUAL(event_type_of(journal.front()), "AccountRegistered");
}

CAF_TEST(a recovered account equals the live one) {
  send(register_body("u1"));
  auto snapshot = json::parse(agg::encode_state(state).dump());
  CAF_CHECK_EQUAL(agg::encode_state(agg::decode_state(snapshot)),
                  agg::encode_state(state));
  agg::state replayed;
  for (const auto& ev : journal)
    replayed = agg::apply(std::move(replayed), agg::decode_event(ev));
  CAF_CHECK_EQUAL(agg::encode_state(replayed), agg::encode_state(state));
}

CAF_TEST_FIXTURE_SCOPE_END()
