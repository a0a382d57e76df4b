#include "net/orders_api.hpp"

#include "domains/common/json_object.hpp"
#include "domains/common/json_text.hpp"
#include "domains/orders/place_order.hpp"
#include "net/access_control.hpp"
#include "net/accounts_api.hpp"
#include "net/api_error.hpp"
#include "net/entity_response.hpp"
#include "net/json_body.hpp"
#include "net/list_request.hpp"
#include "net/order_ids.hpp"
#include "net/random_id.hpp"

#include <nlohmann/json.hpp>

namespace mall::net {

namespace http = boost::beast::http;
using nlohmann::json;
using request_ptr = std::shared_ptr<const api_request>;
using actors::entity_reply;

namespace {

constexpr size_t max_user_id = 128;

/// Everything the handlers need, shared by all of them.
struct orders_context {
  gateway_services services;
  order_views& views;
  int64_t ask_timeout_ms;
  int64_t order_reply_timeout_ms;

  void ask(const char* type, std::string id, std::string_view body,
           const std::string& trace_id, int64_t timeout_ms,
           actors::entity_gateway::reply_handler on_reply) const {
    services.entities.ask({type, std::move(id), std::string{body}, trace_id},
                          timeout_ms, std::move(on_reply));
  }
};

using context_ptr = std::shared_ptr<const orders_context>;

bool is_admin(const token_claims& who) {
  return who.role == "admin";
}

// Whether `who` may see the order or delivery `doc` (JSON text).
bool may_see(const token_claims& who, const std::string& doc) {
  if (is_admin(who))
    return true;
  auto parsed = domains::try_parse_json(doc);
  return parsed.is_object() && parsed.value("user_id", "") == who.user_id;
}

api_response no_order(const std::string& id, const std::string& trace_id) {
  return api_error("not_found", "no order " + id, trace_id);
}

// -- POST /orders -------------------------------------------------------------

/// One order being placed, passed along the asks it takes.
struct placement {
  context_ptr ctx;
  token_claims who;
  domains::orders::place_order order;
  std::string order_id;
  /// Whether `order_id` was drawn at random just now (no Idempotency-Key):
  /// no earlier event can exist under it.
  bool fresh_id;
  std::string trace_id;
  responder respond;
  /// The create's reply: whether it was new, its position, and the order
  /// to answer when it cannot be read again.
  entity_reply created;

  void fail(const entity_reply& reply) const {
    respond(api_error(reply.error_code, reply.error_message, trace_id));
  }
};

using placement_ptr = std::shared_ptr<placement>;

// Answers with the latest view of the order: 201 when this request created
// it, 200 for a repeat of an idempotent request.
void finish(const placement_ptr& p, const entity_reply& latest) {
  auto res = entity_response(
      latest, p->created.wrote ? http::status::created : http::status::ok,
      p->trace_id);
  if (latest.position.empty() && !p->created.position.empty())
    res.headers.emplace_back("X-Consistency-Token", p->created.position);
  p->respond(std::move(res));
}

// Waits for the saga's decision; when it takes too long, answers the order
// as it is now (still pending; the saga goes on).
void await_decision(const placement_ptr& p) {
  p->ctx->ask(order_entity_type, p->order_id, actors::await_body, p->trace_id,
              p->ctx->order_reply_timeout_ms, [p](entity_reply decided) {
                if (decided.ok())
                  return finish(p, decided);
                p->ctx->ask(order_entity_type, p->order_id, actors::get_body,
                            p->trace_id, p->ctx->ask_timeout_ms,
                            [p](entity_reply now) {
                              finish(p, now.ok() ? now : p->created);
                            });
              });
}

void create_order(const placement_ptr& p, const std::string& address) {
  json cmd = domains::json_object{}
                 .with("type", "create")
                 .with("user_id", p->who.user_id)
                 .with("product_id", p->order.product_id)
                 .with("qty", p->order.qty)
                 .with("address", address);
  actors::entity_command create{order_entity_type, p->order_id,
                                domains::dump_json(cmd), p->trace_id};
  create.expect_new = p->fresh_id;
  p->ctx->services.entities.ask(std::move(create), p->ctx->ask_timeout_ms,
                                [p](entity_reply reply) {
                                  if (!reply.ok())
                                    return p->fail(reply);
                                  p->created = std::move(reply);
                                  await_decision(p);
                                });
}

void check_product(const placement_ptr& p, std::string address) {
  auto unknown = [p] {
    p->respond(api_error("unknown_product",
                         "product_id: no product " + p->order.product_id,
                         p->trace_id));
  };
  if (!is_random_id(p->order.product_id, "p_"))
    return unknown();
  // Only whether it exists matters here: no body.
  actors::entity_command get{"product", p->order.product_id,
                             std::string{actors::get_body}, p->trace_id, false};
  p->ctx->services.entities.ask(
      std::move(get), p->ctx->ask_timeout_ms,
      [p, unknown, address = std::move(address)](entity_reply reply) {
        if (reply.error_code == "not_found")
          return unknown();
        if (!reply.ok())
          return p->fail(reply);
        create_order(p, address);
      });
}

// The account confirms that the caller still exists and gives the default
// address.
void check_account(const placement_ptr& p) {
  p->ctx->ask(account_entity_type, p->who.username, actors::get_body,
              p->trace_id, p->ctx->ask_timeout_ms, [p](entity_reply reply) {
                auto gone = [&p] {
                  p->respond(api_error("unauthorized",
                                       "the token's account does not exist",
                                       p->trace_id));
                };
                if (reply.error_code == "not_found")
                  return gone();
                if (!reply.ok())
                  return p->fail(reply);
                auto account = domains::try_parse_json(reply.body);
                if (!account.is_object() ||
                    account.value("user_id", "") != p->who.user_id)
                  return gone();
                auto address = p->order.address ? *p->order.address
                                                : account.value("address", "");
                check_product(p, std::move(address));
              });
}

void place_order(const context_ptr& ctx, const request_ptr& req,
                 responder respond) {
  domains::rejection why;
  auto fail = [&] { respond(api_error(why.code, why.message, req->trace_id)); };
  auto who = require_role(*req, ctx->services.tokens, "customer", why);
  if (!who)
    return fail();
  auto body = read_json_object(*req, why);
  if (!body)
    return fail();
  auto order = domains::orders::parse_place_order(*body, why);
  if (!order)
    return fail();
  std::string order_id;
  auto fresh_id = false;
  if (req->raw.find("Idempotency-Key") != req->raw.end()) {
    auto key = req->header("Idempotency-Key");
    if (!is_idempotency_key(key)) {
      why = {"invalid_input",
             "Idempotency-Key must be 1 to 64 of [A-Za-z0-9_-]"};
      return fail();
    }
    order_id = order_id_for_key(who->user_id, key);
  } else {
    order_id = new_order_id();
    fresh_id = true;
  }
  check_account(std::make_shared<placement>(placement{ctx,
                                                      std::move(*who),
                                                      std::move(*order),
                                                      std::move(order_id),
                                                      fresh_id,
                                                      req->trace_id,
                                                      std::move(respond),
                                                      {}}));
}

// -- GET /orders/{id}, POST /orders/{id}/cancel -------------------------------

// Reads the order and hands the reply to `then` when the caller may see it;
// anyone else learns nothing, not even that it exists: 404.
void with_visible_order(const context_ptr& ctx, const request_ptr& req,
                        responder respond,
                        std::function<void(entity_reply, responder)> then) {
  domains::rejection why;
  auto who = authenticate(*req, ctx->services.tokens, why);
  if (!who)
    return respond(api_error(why.code, why.message, req->trace_id));
  const auto& id = req->param("id");
  if (!is_order_id(id))
    return respond(no_order(id, req->trace_id));
  ctx->ask(order_entity_type, id, actors::get_body, req->trace_id,
           ctx->ask_timeout_ms,
           [who = *who, id, trace_id = req->trace_id,
            respond = std::move(respond),
            then = std::move(then)](entity_reply reply) {
             if (reply.ok() && !may_see(who, reply.body))
               return respond(no_order(id, trace_id));
             if (!reply.ok())
               return respond(
                   api_error(reply.error_code, reply.error_message, trace_id));
             then(std::move(reply), respond);
           });
}

void get_order(const context_ptr& ctx, const request_ptr& req,
               responder respond) {
  with_visible_order(
      ctx, req, std::move(respond),
      [trace_id = req->trace_id](entity_reply reply, responder respond) {
        respond(entity_response(reply, http::status::ok, trace_id));
      });
}

void cancel_order(const context_ptr& ctx, const request_ptr& req,
                  responder respond) {
  with_visible_order(
      ctx, req, std::move(respond),
      [ctx, id = req->param("id"),
       trace_id = req->trace_id](entity_reply, responder respond) {
        ctx->ask(order_entity_type, id, R"({"type":"cancel"})", trace_id,
                 ctx->ask_timeout_ms, [trace_id, respond](entity_reply reply) {
                   respond(entity_response(reply, http::status::ok, trace_id));
                 });
      });
}

// -- GET /orders --------------------------------------------------------------

bool valid_user_id(const std::string& id) {
  if (id.empty() || id.size() > max_user_id)
    return false;
  for (auto c : id)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

// A read model row as the API's order: without the delivery columns.
json order_of(json row) {
  if (row.is_object()) {
    row.erase("delivery_status");
    row.erase("delivery_updated_at");
  }
  return row;
}

void list_orders(const context_ptr& ctx, const request_ptr& req,
                 responder respond) {
  domains::rejection why;
  auto fail = [&] { respond(api_error(why.code, why.message, req->trace_id)); };
  auto who = authenticate(*req, ctx->services.tokens, why);
  if (!who)
    return fail();
  // Customers always see their own orders; only admins may choose.
  auto owner = who->user_id;
  if (is_admin(*who)) {
    owner = req->query_param("user_id").value_or("");
    if (req->query_param("user_id") && !valid_user_id(owner)) {
      why = {"invalid_input", "user_id is malformed"};
      return fail();
    }
  }
  auto params = read_list_request(*req, why);
  if (!params)
    return fail();
  ctx->views.list_orders(
      std::move(owner), params->limit, std::move(params->cursor),
      std::move(params->min_position),
      [trace_id = req->trace_id,
       respond = std::move(respond)](order_page page) {
        if (!page.error_code.empty())
          return respond(
              api_error(page.error_code, page.error_message, trace_id));
        auto items = json::array();
        for (auto& row : page.items)
          items.push_back(order_of(std::move(row)));
        respond(list_response(std::move(items), page.next_cursor, page.stale));
      });
}

} // namespace

void add_order_routes(request_router& router, const gateway_services& services,
                      order_views& views, const http_settings& settings) {
  auto ctx = std::make_shared<const orders_context>(
      orders_context{services, views, settings.ask_timeout.count(),
                     settings.order_reply_timeout.count()});
  router.add(http::verb::post, "/orders",
             [ctx](request_ptr req, responder respond) {
               place_order(ctx, req, std::move(respond));
             });
  router.add(http::verb::get, "/orders",
             [ctx](request_ptr req, responder respond) {
               list_orders(ctx, req, std::move(respond));
             });
  router.add(http::verb::get, "/orders/{id}",
             [ctx](request_ptr req, responder respond) {
               get_order(ctx, req, std::move(respond));
             });
  router.add(http::verb::post, "/orders/{id}/cancel",
             [ctx](request_ptr req, responder respond) {
               cancel_order(ctx, req, std::move(respond));
             });
}

} // namespace mall::net
