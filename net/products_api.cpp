#include "net/products_api.hpp"

#include "domains/common/json_text.hpp"
#include "net/access_control.hpp"
#include "net/api_error.hpp"
#include "net/entity_response.hpp"
#include "net/json_body.hpp"
#include "net/list_request.hpp"
#include "net/random_id.hpp"

#include <nlohmann/json.hpp>

namespace mall::net {

namespace http = boost::beast::http;
using request_ptr = std::shared_ptr<const api_request>;

namespace {

constexpr const char* entity_type = "product";
constexpr const char* id_prefix = "p_";

/// Everything the handlers need, shared by all of them.
struct products_context {
  gateway_services services;
  int64_t ask_timeout_ms;

  // Sends `body` (a command's JSON text) to product `id` and answers with
  // the entity's reply.
  void ask(const request_ptr& req, std::string id, std::string body,
           http::status ok_status, responder respond) const {
    actors::entity_command cmd{entity_type, std::move(id), std::move(body),
                               req->trace_id};
    services.entities.ask(
        std::move(cmd), ask_timeout_ms,
        [trace_id = req->trace_id, ok_status,
         respond = std::move(respond)](actors::entity_reply reply) {
          respond(entity_response(reply, ok_status, trace_id));
        });
  }

  // The admin's JSON body with its command type, or nothing after answering.
  std::optional<nlohmann::json> admin_command(const request_ptr& req,
                                              const char* type,
                                              const responder& respond) const {
    domains::rejection why;
    if (!require_role(*req, services.tokens, "admin", why)) {
      respond(api_error(why.code, why.message, req->trace_id));
      return std::nullopt;
    }
    auto body = read_json_object(*req, why);
    if (!body) {
      respond(api_error(why.code, why.message, req->trace_id));
      return std::nullopt;
    }
    (*body)["type"] = type;
    return body;
  }
};

void list_products(const products_context& ctx, const request_ptr& req,
                   responder respond) {
  domains::rejection why;
  auto params = read_list_request(*req, why);
  if (!params)
    return respond(api_error(why.code, why.message, req->trace_id));
  catalog_query query{params->limit, std::move(params->cursor),
                      std::move(params->min_position), req->trace_id};
  ctx.services.catalog.list(std::move(query), [trace_id = req->trace_id,
                                               respond = std::move(respond)](
                                                  catalog_page page) {
    if (!page.error_code.empty())
      return respond(api_error(page.error_code, page.error_message, trace_id));
    respond(list_response(std::move(page.items), page.next_cursor, page.stale));
  });
}

// A malformed id names nothing: answer 404 without asking any entity.
bool known_id_shape(const request_ptr& req, const responder& respond) {
  if (is_random_id(req->param("id"), id_prefix))
    return true;
  respond(
      api_error("not_found", "no product " + req->param("id"), req->trace_id));
  return false;
}

} // namespace

void add_product_routes(request_router& router,
                        const gateway_services& services,
                        const http_settings& settings) {
  auto ctx = std::make_shared<products_context>(
      products_context{services, settings.ask_timeout.count()});
  router.add(http::verb::get, "/products",
             [ctx](request_ptr req, responder respond) {
               list_products(*ctx, req, std::move(respond));
             });
  router.add(http::verb::post, "/products",
             [ctx](request_ptr req, responder respond) {
               auto body = ctx->admin_command(req, "create", respond);
               if (body)
                 ctx->ask(req, random_id(id_prefix), domains::dump_json(*body),
                          http::status::created, std::move(respond));
             });
  router.add(http::verb::get, "/products/{id}",
             [ctx](request_ptr req, responder respond) {
               if (known_id_shape(req, respond))
                 ctx->ask(req, req->param("id"), std::string{actors::get_body},
                          http::status::ok, std::move(respond));
             });
  router.add(http::verb::patch, "/products/{id}",
             [ctx](request_ptr req, responder respond) {
               auto body = ctx->admin_command(req, "update", respond);
               if (body && known_id_shape(req, respond))
                 ctx->ask(req, req->param("id"), domains::dump_json(*body),
                          http::status::ok, std::move(respond));
             });
  router.add(http::verb::post, "/products/{id}/restock",
             [ctx](request_ptr req, responder respond) {
               auto body = ctx->admin_command(req, "restock", respond);
               if (body && known_id_shape(req, respond))
                 ctx->ask(req, req->param("id"), domains::dump_json(*body),
                          http::status::ok, std::move(respond));
             });
}

} // namespace mall::net
