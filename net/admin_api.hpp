// The operations endpoints of API.md: actors, chaos, projections, consumers
// and metrics.
#pragma once

#include "net/admin_operations.hpp"
#include "net/http_metrics.hpp"
#include "net/request_router.hpp"
#include "net/token_service.hpp"

namespace mall::net {

/// For admins: `GET /admin/actors`, `POST /admin/chaos/crash {target, id?}`
/// (→ 200 `{crashed: [...]}`), `POST /admin/chaos/schedule {targets,
/// per_second, duration_s}` (→ 202), its `GET` (progress) and `DELETE`
/// (stop), `POST /admin/projections/{name}/rebuild`
/// (→ 202) and the test hook `POST /admin/consumers/{name}/rewind` (→ 202),
/// all through `operations`.
void add_admin_routes(request_router& router, const token_service& tokens,
                      admin_operations& operations);

/// `GET /metrics` for admins: `metrics` in Prometheus' text format, followed
/// by what `operations` adds when there are any.
void add_metrics_routes(request_router& router, const token_service& tokens,
                        const http_metrics& metrics,
                        admin_operations* operations);

} // namespace mall::net
