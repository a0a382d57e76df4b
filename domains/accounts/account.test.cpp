#define CAF_SUITE domains.accounts.account
#include "tests/support/caf_test.hpp"

#include "domains/accounts/account.hpp"

using namespace mall::domains;
using namespace mall::domains::accounts;

namespace {

register_account alice(std::string user_id = "u1") {
  return register_account{std::move(user_id), "alice",
                          "$argon2id$hash",   "Alice Kim",
                          "Seoul 1",          account_role::customer};
}

struct fixture {
  account state;
  // 2026-11-21T23:55:44.123Z
  command_context ctx{"alice", 1'795'305'344'123};

  decision<account_event> run(const account_command& cmd) {
    auto d = decide(state, cmd, ctx);
    for (const auto& ev : d.events)
      state = apply(state, ev);
    return d;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(account_tests, fixture)

CAF_TEST(register records the account with its creation time) {
  auto d = run(alice());
  CAF_REQUIRE(!d.rejected());
  CAF_REQUIRE_EQUAL(d.events.size(), 1u);
  const auto& e = std::get<account_registered>(d.events.front());
  CAF_CHECK_EQUAL(e.created_at, "2026-11-21T23:55:44.123Z");
  CAF_CHECK(state.exists);
  CAF_CHECK_EQUAL(state.user_id, "u1");
  CAF_CHECK_EQUAL(state.username, "alice");
  CAF_CHECK_EQUAL(state.password_hash, "$argon2id$hash");
  CAF_CHECK_EQUAL(state.name, "Alice Kim");
  CAF_CHECK_EQUAL(state.address, "Seoul 1");
  CAF_CHECK(state.role == account_role::customer);
  CAF_CHECK_EQUAL(state.created_at, "2026-11-21T23:55:44.123Z");
}

CAF_TEST(a taken username is refused to another user) {
  run(alice("u1"));
  auto d = run(alice("u2"));
  CAF_REQUIRE(d.rejected());
  CAF_CHECK_EQUAL(d.error->code, "username_taken");
  CAF_CHECK_EQUAL(state.user_id, "u1");
}

CAF_TEST(registering again with the same user id changes nothing) {
  run(alice("u1"));
  auto d = run(alice("u1"));
  CAF_CHECK(!d.rejected());
  CAF_CHECK(d.events.empty());
}

CAF_TEST(the username must be the entity id) {
  ctx.entity_id = "bob";
  auto d = run(alice());
  CAF_REQUIRE(d.rejected());
  CAF_CHECK_EQUAL(d.error->code, "invalid_input");
  CAF_CHECK(!state.exists);
}

CAF_TEST(get finds an existing account only) {
  auto missing = run(get_account{});
  CAF_REQUIRE(missing.rejected());
  CAF_CHECK_EQUAL(missing.error->code, "not_found");
  run(alice());
  auto found = run(get_account{});
  CAF_CHECK(!found.rejected());
  CAF_CHECK(found.events.empty());
}

CAF_TEST(admins keep their role) {
  auto admin = alice();
  admin.role = account_role::admin;
  run(admin);
  CAF_CHECK(state.role == account_role::admin);
  CAF_CHECK_EQUAL(std::string{to_string(state.role)}, "admin");
  CAF_CHECK_EQUAL(std::string{to_string(account_role::customer)}, "customer");
}

CAF_TEST_FIXTURE_SCOPE_END()
