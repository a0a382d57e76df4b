// The deliveries endpoints of API.md.
#pragma once

#include "net/gateway_services.hpp"
#include "net/http_settings.hpp"
#include "net/request_router.hpp"

namespace mall::net {

/// Entity type of deliveries.
inline constexpr const char* delivery_entity_type = "delivery";

/// `GET /deliveries/{id}` (owner or admin, from the entity),
/// `GET /deliveries?order_id=` (0 or 1 items; another customer's order gives
/// none), `GET /deliveries` (from `views`: the caller's, an admin's all) and
/// `POST /deliveries/{id}/complete` (admins).
void add_delivery_routes(request_router& router,
                         const gateway_services& services, order_views& views,
                         const http_settings& settings);

} // namespace mall::net
