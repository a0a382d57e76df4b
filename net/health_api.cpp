#include "net/health_api.hpp"

#include "domains/common/json_text.hpp"
#include "net/api_error.hpp"

#include <nlohmann/json.hpp>

namespace mall::net {

namespace http = boost::beast::http;

void add_health_routes(request_router& router,
                       const gateway_services& services) {
  router.add(
      http::verb::get, "/health/live",
      [](std::shared_ptr<const api_request>, responder respond) {
        respond(api_response{http::status::ok, R"({"status":"ok"})", {}});
      });
  router.add(
      http::verb::get, "/health/ready",
      [readiness = services.readiness](std::shared_ptr<const api_request>,
                                       responder respond) {
        auto reasons = readiness ? readiness() : std::vector<std::string>{};
        if (reasons.empty()) {
          respond(api_response{http::status::ok, R"({"status":"ok"})", {}});
          return;
        }
        nlohmann::json body{{"status", "unavailable"}, {"reasons", reasons}};
        respond(api_response{
            http::status::service_unavailable,
            domains::dump_json(body),
            {{"Retry-After", std::to_string(retry_after_seconds)}}});
      });
}

} // namespace mall::net
