// `GET /health/live` and `GET /health/ready`.
#pragma once

#include "net/gateway_services.hpp"
#include "net/request_router.hpp"

namespace mall::net {

/// Liveness always answers `{"status": "ok"}`; readiness answers it only
/// when `services.readiness` reports no reason, else 503
/// `{"status": "unavailable", "reasons": [...]}`.
void add_health_routes(request_router& router,
                       const gateway_services& services);

} // namespace mall::net
