// `GET /mypage`: a customer's orders from the read model.
#pragma once

#include "net/gateway_services.hpp"
#include "net/request_router.hpp"

namespace mall::net {

/// `GET /mypage` for customers (admins get 403) from `views`, honouring
/// `X-Consistency-Token` (a stale page carries `X-Consistency: stale`).
void add_mypage_routes(request_router& router, const gateway_services& services,
                       order_views& views);

} // namespace mall::net
