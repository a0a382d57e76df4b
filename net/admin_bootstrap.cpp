#include "net/admin_bootstrap.hpp"

#include "domains/accounts/signup_request.hpp"
#include "domains/common/json_text.hpp"
#include "net/accounts_api.hpp"
#include "net/random_id.hpp"

#include <nlohmann/json.hpp>

#include <future>
#include <memory>

namespace mall::net {

namespace {

actors::entity_reply ask_and_wait(actors::entity_gateway& entities,
                                  actors::entity_command cmd,
                                  std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<actors::entity_reply>>();
  auto answer = promise->get_future();
  entities.ask(std::move(cmd), timeout.count(),
               [promise](actors::entity_reply reply) {
                 promise->set_value(std::move(reply));
               });
  // The gateway answers by itself after `timeout`; the margin only guards
  // against a gateway that breaks that promise.
  if (answer.wait_for(timeout + std::chrono::seconds{1}) !=
      std::future_status::ready)
    return {"unavailable", "no answer from the account", "", ""};
  return answer.get();
}

admin_account_status check_existing(const actors::entity_reply& reply,
                                    password_hasher& hasher,
                                    const std::string& password) {
  auto account = domains::try_parse_json(reply.body);
  if (!account.is_object())
    return {false, false, "the admin account cannot be read"};
  if (account.value("role", "") != "admin")
    return {false, false, "the admin username belongs to a customer account"};
  if (!hasher.verify(password, account.value("password_hash", "")))
    return {false, false, "the admin account exists with another password"};
  return {true, false, "the admin account exists"};
}

} // namespace

admin_account_status ensure_admin_account(actors::entity_gateway& entities,
                                          password_hasher& hasher,
                                          const std::string& username,
                                          const std::string& password,
                                          std::chrono::milliseconds timeout) {
  // The admin obeys the signup rules like everybody else.
  domains::rejection why;
  auto valid =
      domains::accounts::parse_signup(nlohmann::json{{"username", username},
                                                     {"password", password},
                                                     {"name", "Administrator"},
                                                     {"address", "-"}},
                                      why);
  if (!valid)
    return {false, false, "invalid admin credentials: " + why.message};
  auto get = [&] {
    return ask_and_wait(entities,
                        {account_entity_type, valid->username,
                         std::string{actors::get_body}, "admin-bootstrap"},
                        timeout);
  };
  auto existing = get();
  if (existing.ok())
    return check_existing(existing, hasher, password);
  if (existing.error_code != "not_found")
    return {false, false,
            "cannot read the admin account: " + existing.error_message};
  auto hash = hasher.hash(password);
  if (!hash)
    return {false, false, "cannot hash the admin password"};
  new_account admin{
      random_id("u_"), valid->username, std::move(*hash), "Administrator", "-",
      "admin"};
  auto registered = ask_and_wait(entities,
                                 {account_entity_type, admin.username,
                                  register_command(admin), "admin-bootstrap"},
                                 timeout);
  if (registered.ok())
    return {true, true, "registered the admin account " + admin.username};
  // Another node registered it first: check what it registered.
  if (registered.error_code == "username_taken") {
    existing = get();
    if (existing.ok())
      return check_existing(existing, hasher, password);
  }
  return {false, false,
          "cannot register the admin account: " + registered.error_message};
}

} // namespace mall::net
