#include "net/deliveries_api.hpp"

#include "domains/common/json_object.hpp"
#include "domains/common/json_text.hpp"
#include "domains/deliveries/delivery.hpp"
#include "net/access_control.hpp"
#include "net/api_error.hpp"
#include "net/entity_response.hpp"
#include "net/list_request.hpp"
#include "net/order_ids.hpp"
#include "net/orders_api.hpp"

#include <nlohmann/json.hpp>

namespace mall::net {

namespace http = boost::beast::http;
using nlohmann::json;
using request_ptr = std::shared_ptr<const api_request>;
using actors::entity_reply;

namespace {

/// Pages of orders read at most for one page of deliveries, so that a
/// customer with many orders that never got a delivery cannot make one
/// request scan them all; the answer then ends early with a cursor.
constexpr int max_scanned_pages = 10;

/// Everything the handlers need, shared by all of them.
struct deliveries_context {
  gateway_services services;
  order_views& views;
  int64_t ask_timeout_ms;

  void get(const char* type, std::string id, const std::string& trace_id,
           actors::entity_gateway::reply_handler on_reply) const {
    services.entities.ask(
        {type, std::move(id), std::string{actors::get_body}, trace_id},
        ask_timeout_ms, std::move(on_reply));
  }
};

using context_ptr = std::shared_ptr<const deliveries_context>;

bool may_see(const token_claims& who, const std::string& doc) {
  if (who.role == "admin")
    return true;
  auto parsed = domains::try_parse_json(doc);
  return parsed.is_object() && parsed.value("user_id", "") == who.user_id;
}

api_response no_delivery(const std::string& id, const std::string& trace_id) {
  return api_error("not_found", "no delivery " + id, trace_id);
}

api_response single(std::optional<json> delivery) {
  auto items = json::array();
  if (delivery)
    items.push_back(std::move(*delivery));
  return list_response(std::move(items), std::nullopt, false);
}

// -- GET /deliveries/{id}, POST /deliveries/{id}/complete ---------------------

void get_delivery(const context_ptr& ctx, const request_ptr& req,
                  responder respond) {
  domains::rejection why;
  auto who = authenticate(*req, ctx->services.tokens, why);
  if (!who)
    return respond(api_error(why.code, why.message, req->trace_id));
  const auto& id = req->param("id");
  if (!is_delivery_id(id))
    return respond(no_delivery(id, req->trace_id));
  ctx->get(delivery_entity_type, id, req->trace_id,
           [who = *who, id, trace_id = req->trace_id,
            respond = std::move(respond)](entity_reply reply) {
             if (reply.ok() && !may_see(who, reply.body))
               return respond(no_delivery(id, trace_id));
             respond(entity_response(reply, http::status::ok, trace_id));
           });
}

void complete_delivery(const context_ptr& ctx, const request_ptr& req,
                       responder respond) {
  domains::rejection why;
  if (!require_role(*req, ctx->services.tokens, "admin", why))
    return respond(api_error(why.code, why.message, req->trace_id));
  const auto& id = req->param("id");
  if (!is_delivery_id(id))
    return respond(no_delivery(id, req->trace_id));
  ctx->services.entities.ask(
      {delivery_entity_type, id, R"({"type":"complete"})", req->trace_id},
      ctx->ask_timeout_ms,
      [trace_id = req->trace_id,
       respond = std::move(respond)](entity_reply reply) {
        respond(entity_response(reply, http::status::ok, trace_id));
      });
}

// -- GET /deliveries?order_id= ------------------------------------------------

// The delivery of one order, read from the entities (always current): none
// when the order does not exist, is not the caller's or has no delivery.
void deliveries_of_order(const context_ptr& ctx, const token_claims& who,
                         const std::string& order_id,
                         const std::string& trace_id, responder respond) {
  if (!is_order_id(order_id))
    return respond(single(std::nullopt));
  ctx->get(order_entity_type, order_id, trace_id,
           [ctx, who, order_id, trace_id,
            respond = std::move(respond)](entity_reply order) {
             if (order.error_code == "not_found" ||
                 (order.ok() && !may_see(who, order.body)))
               return respond(single(std::nullopt));
             if (!order.ok())
               return respond(
                   api_error(order.error_code, order.error_message, trace_id));
             ctx->get(delivery_entity_type,
                      domains::deliveries::delivery_id_for(order_id), trace_id,
                      [trace_id, respond](entity_reply delivery) {
                        if (delivery.error_code == "not_found")
                          return respond(single(std::nullopt));
                        if (!delivery.ok())
                          return respond(api_error(delivery.error_code,
                                                   delivery.error_message,
                                                   trace_id));
                        respond(single(domains::try_parse_json(delivery.body)));
                      });
           });
}

// -- GET /deliveries ----------------------------------------------------------

// The delivery of an `orders` read model row, if it has one. The row knows
// when the delivery last changed; `delivery_created_at`, where the view
// keeps it, is when it started.
std::optional<json> delivery_of(const json& row) {
  if (!row.is_object() || !row.contains("delivery_id") ||
      row["delivery_id"].is_null() || !row.contains("delivery_status") ||
      row["delivery_status"].is_null())
    return std::nullopt;
  auto updated = row.value("delivery_updated_at", json{});
  return domains::json_object{}
      .with("id", row["delivery_id"])
      .with("order_id", row.value("id", json{}))
      .with("user_id", row.value("user_id", json{}))
      .with("address", row.value("address", json{}))
      .with("status", row["delivery_status"])
      .with("created_at", row.value("delivery_created_at", updated))
      .with("updated_at", updated);
}

/// One `GET /deliveries` page being filled from pages of orders.
struct delivery_listing {
  context_ptr ctx;
  std::string owner;
  int limit = 0;
  std::string cursor;
  std::string min_position;
  std::string trace_id;
  responder respond;
  json items = json::array();
  bool stale = false;
  int pages = 0;
};

// Reads orders until `limit` deliveries are found or the orders run out.
// Each read asks only for as many orders as deliveries are still missing, so
// the cursor of the last order read is exactly where the next page starts.
void fill_deliveries(std::shared_ptr<delivery_listing> l) {
  auto missing = l->limit - static_cast<int>(l->items.size());
  // Only the first read waits for the client's position.
  auto position = l->pages == 0 ? l->min_position : std::string{};
  l->ctx->views.list_orders(
      l->owner, missing, l->cursor, std::move(position), [l](order_page page) {
        if (!page.error_code.empty())
          return l->respond(
              api_error(page.error_code, page.error_message, l->trace_id));
        l->stale = l->stale || page.stale;
        ++l->pages;
        for (const auto& row : page.items)
          if (auto delivery = delivery_of(row))
            l->items.push_back(std::move(*delivery));
        if (static_cast<int>(l->items.size()) >= l->limit ||
            !page.next_cursor || l->pages >= max_scanned_pages)
          return l->respond(
              list_response(std::move(l->items), page.next_cursor, l->stale));
        l->cursor = *page.next_cursor;
        fill_deliveries(l);
      });
}

void list_deliveries(const context_ptr& ctx, const request_ptr& req,
                     responder respond) {
  domains::rejection why;
  auto who = authenticate(*req, ctx->services.tokens, why);
  std::optional<list_request> params;
  if (who)
    params = read_list_request(*req, why);
  if (!params)
    return respond(api_error(why.code, why.message, req->trace_id));
  if (auto order_id = req->query_param("order_id"))
    return deliveries_of_order(ctx, *who, *order_id, req->trace_id,
                               std::move(respond));
  auto listing = std::make_shared<delivery_listing>();
  listing->ctx = ctx;
  listing->owner = who->role == "admin" ? std::string{} : who->user_id;
  listing->limit = params->limit;
  listing->cursor = std::move(params->cursor);
  listing->min_position = std::move(params->min_position);
  listing->trace_id = req->trace_id;
  listing->respond = std::move(respond);
  fill_deliveries(std::move(listing));
}

} // namespace

void add_delivery_routes(request_router& router,
                         const gateway_services& services, order_views& views,
                         const http_settings& settings) {
  auto ctx = std::make_shared<const deliveries_context>(
      deliveries_context{services, views, settings.ask_timeout.count()});
  router.add(http::verb::get, "/deliveries",
             [ctx](request_ptr req, responder respond) {
               list_deliveries(ctx, req, std::move(respond));
             });
  router.add(http::verb::get, "/deliveries/{id}",
             [ctx](request_ptr req, responder respond) {
               get_delivery(ctx, req, std::move(respond));
             });
  router.add(http::verb::post, "/deliveries/{id}/complete",
             [ctx](request_ptr req, responder respond) {
               complete_delivery(ctx, req, std::move(respond));
             });
}

} // namespace mall::net
