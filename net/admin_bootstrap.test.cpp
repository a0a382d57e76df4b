#define CAF_SUITE net.admin_bootstrap
#include "tests/support/caf_test.hpp"

#include "net/admin_bootstrap.hpp"

#include "net/accounts_api.hpp"
#include "tests/support/fake_entity_gateway.hpp"

#include <nlohmann/json.hpp>

using namespace mall;
using namespace mall::net;

namespace {

struct fixture {
  testing::fake_entity_gateway entities;
  password_hasher hasher{hasher_settings{1, 1024, 1, 1}};
  std::chrono::milliseconds timeout{1000};

  admin_account_status ensure(const std::string& user, const std::string& pw) {
    return ensure_admin_account(entities, hasher, user, pw, timeout);
  }

  nlohmann::json account(const std::string& username) {
    actors::entity_reply out;
    entities.ask({"account", username, R"({"type":"get"})", "t"}, 1000,
                 [&](actors::entity_reply r) { out = std::move(r); });
    return nlohmann::json::parse(out.body, nullptr, false);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(admin_bootstrap_tests, fixture)

CAF_TEST(a missing admin account is registered with the admin role) {
  auto status = ensure("root", "admin-password");
  CAF_CHECK(status.ok);
  CAF_CHECK(status.created);
  auto stored = account("root");
  CAF_CHECK_EQUAL(stored["role"], "admin");
  CAF_CHECK(hasher.verify("admin-password", stored["password_hash"]));
}

CAF_TEST(an existing admin with the same password is accepted as is) {
  CAF_REQUIRE(ensure("root", "admin-password").created);
  auto again = ensure("root", "admin-password");
  CAF_CHECK(again.ok);
  CAF_CHECK(!again.created);
}

CAF_TEST(an existing admin with another password is reported) {
  CAF_REQUIRE(ensure("root", "admin-password").ok);
  auto status = ensure("root", "other-password");
  CAF_CHECK(!status.ok);
  CAF_CHECK_NOT_EQUAL(status.message.find("another password"),
                      std::string::npos);
}

CAF_TEST(a customer account of that name is not promoted) {
  new_account customer{"u_1", "root",  *hasher.hash("admin-password"),
                       "R",   "Seoul", "customer"};
  entities.ask({"account", "root", register_command(customer), "t"}, 1000,
               [](actors::entity_reply) {});
  auto status = ensure("root", "admin-password");
  CAF_CHECK(!status.ok);
  auto stored = account("root");
  CAF_CHECK_EQUAL(stored["role"], "customer");
}

CAF_TEST(invalid admin credentials are refused before any request) {
  CAF_CHECK(!ensure("Root", "admin-password").ok);
  CAF_CHECK(!ensure("root", "short").ok);
  CAF_CHECK_EQUAL(entities.command_count(), 0u);
}

CAF_TEST(an unreachable account store is reported) {
  entities.unavailable = true;
  auto status = ensure("root", "admin-password");
  CAF_CHECK(!status.ok);
}

CAF_TEST_FIXTURE_SCOPE_END()
