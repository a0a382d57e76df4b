// The products endpoints of API.md.
#pragma once

#include "net/gateway_services.hpp"
#include "net/http_settings.hpp"
#include "net/request_router.hpp"

namespace mall::net {

/// `GET /products` (from the catalog read model), `GET /products/{id}`,
/// and for admins `POST /products`, `PATCH /products/{id}` and
/// `POST /products/{id}/restock` (to the product entities).
void add_product_routes(request_router& router,
                        const gateway_services& services,
                        const http_settings& settings);

} // namespace mall::net
