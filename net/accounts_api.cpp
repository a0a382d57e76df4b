#include "net/accounts_api.hpp"

#include "domains/accounts/credentials.hpp"
#include "domains/accounts/signup_request.hpp"
#include "domains/common/json_object.hpp"
#include "domains/common/json_text.hpp"
#include "net/api_error.hpp"
#include "net/entity_response.hpp"
#include "net/json_body.hpp"
#include "net/random_id.hpp"

#include <nlohmann/json.hpp>

namespace mall::net {

namespace http = boost::beast::http;
using request_ptr = std::shared_ptr<const api_request>;

std::string register_command(const new_account& account) {
  return domains::dump_json(domains::json_object{}
                                .with("type", "register")
                                .with("user_id", account.user_id)
                                .with("username", account.username)
                                .with("password_hash", account.password_hash)
                                .with("name", account.name)
                                .with("address", account.address)
                                .with("role", account.role));
}

namespace {

/// Everything the handlers need, shared by all of them.
struct accounts_context {
  gateway_services services;
  int64_t ask_timeout_ms;
};

api_response invalid_credentials(const std::string& trace_id) {
  return api_error("invalid_credentials", "unknown username or wrong password",
                   trace_id);
}

void signup(std::shared_ptr<accounts_context> ctx, const request_ptr& req,
            responder respond) {
  domains::rejection why;
  auto body = read_json_object(*req, why);
  if (!body)
    return respond(api_error(why.code, why.message, req->trace_id));
  auto request = domains::accounts::parse_signup(*body, why);
  if (!request)
    return respond(api_error(why.code, why.message, req->trace_id));
  auto password = request->password;
  ctx->services.hasher.async_hash(
      std::move(password),
      [ctx, request = std::move(*request), trace_id = req->trace_id,
       respond = std::move(respond)](std::optional<std::string> hash) {
        if (!hash)
          return respond(api_error("unavailable",
                                   "cannot hash the password now", trace_id));
        new_account account{random_id("u_"), request.username, std::move(*hash),
                            request.name,    request.address,  "customer"};
        actors::entity_command cmd{account_entity_type, account.username,
                                   register_command(account), trace_id};
        ctx->services.entities.ask(
            std::move(cmd), ctx->ask_timeout_ms,
            [account, trace_id, respond](actors::entity_reply reply) {
              auto res =
                  entity_response(reply, http::status::created, trace_id);
              if (reply.ok())
                // The entity answers with the whole account; only the ids
                // leave.
                res.body =
                    domains::dump_json(domains::json_object{}
                                           .with("user_id", account.user_id)
                                           .with("username", account.username));
              respond(std::move(res));
            });
      });
}

void issue_token(std::shared_ptr<accounts_context> ctx, const request_ptr& req,
                 responder respond) {
  domains::rejection why;
  auto body = read_json_object(*req, why);
  if (!body)
    return respond(api_error(why.code, why.message, req->trace_id));
  auto credentials = domains::accounts::parse_credentials(*body, why);
  if (!credentials)
    return respond(api_error(why.code, why.message, req->trace_id));
  actors::entity_command cmd{account_entity_type, credentials->username,
                             std::string{actors::get_body}, req->trace_id};
  ctx->services.entities.ask(
      std::move(cmd), ctx->ask_timeout_ms,
      [ctx, password = credentials->password, trace_id = req->trace_id,
       respond = std::move(respond)](actors::entity_reply reply) mutable {
        auto& hasher = ctx->services.hasher;
        if (reply.error_code == "not_found")
          // As slow as a wrong password, so that timing does not reveal
          // which usernames exist.
          return hasher.async_burn_verify_time(
              std::move(password),
              [trace_id, respond] { respond(invalid_credentials(trace_id)); });
        if (!reply.ok())
          return respond(
              api_error(reply.error_code, reply.error_message, trace_id));
        auto account = domains::try_parse_json(reply.body);
        if (!account.is_object() ||
            !account.value("password_hash", nlohmann::json{}).is_string())
          return respond(
              api_error("unavailable", "the account cannot be read", trace_id));
        token_claims who{account.value("user_id", ""),
                         account.value("role", ""),
                         account.value("username", ""), 0};
        hasher.async_verify(
            std::move(password), account["password_hash"].get<std::string>(),
            [ctx, who, trace_id, respond](bool ok) {
              if (!ok)
                return respond(invalid_credentials(trace_id));
              auto& tokens = ctx->services.tokens;
              nlohmann::json body{{"access_token", tokens.issue(who)},
                                  {"token_type", "Bearer"},
                                  {"expires_in", tokens.ttl().count()}};
              respond(
                  api_response{http::status::ok, domains::dump_json(body), {}});
            });
      });
}

} // namespace

void add_account_routes(request_router& router,
                        const gateway_services& services,
                        const http_settings& settings) {
  auto ctx = std::make_shared<accounts_context>(
      accounts_context{services, settings.ask_timeout.count()});
  router.add(http::verb::post, "/auth/signup",
             [ctx](request_ptr req, responder respond) {
               signup(ctx, req, std::move(respond));
             });
  router.add(http::verb::post, "/auth/token",
             [ctx](request_ptr req, responder respond) {
               issue_token(ctx, req, std::move(respond));
             });
}

} // namespace mall::net
