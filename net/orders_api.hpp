// The orders endpoints of API.md.
#pragma once

#include "net/gateway_services.hpp"
#include "net/http_settings.hpp"
#include "net/request_router.hpp"

namespace mall::net {

/// Entity type of orders.
inline constexpr const char* order_entity_type = "order";

/// `POST /orders` (customers: creates the order entity, then waits up to
/// `order_reply_timeout` for the saga's decision), `GET /orders/{id}` and
/// `POST /orders/{id}/cancel` (the owner or an admin; anyone else gets 404),
/// and `GET /orders` (from `views`: a customer's own, an admin's all or
/// `?user_id=`).
void add_order_routes(request_router& router, const gateway_services& services,
                      order_views& views, const http_settings& settings);

} // namespace mall::net
