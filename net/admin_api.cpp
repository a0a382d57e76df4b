#include "net/admin_api.hpp"

#include "domains/common/json_text.hpp"
#include "net/access_control.hpp"
#include "net/api_error.hpp"
#include "net/json_body.hpp"

#include <algorithm>
#include <array>

namespace mall::net {

namespace http = boost::beast::http;
using nlohmann::json;
using request_ptr = std::shared_ptr<const api_request>;

namespace {

constexpr std::array<const char*, 6> crash_targets{
    "entity", "shard", "region", "journal", "projection", "gateway"};
constexpr size_t max_name = 64;
constexpr size_t max_crash_id = 256;
constexpr size_t max_chaos_targets = 16;
constexpr double min_chaos_per_second = 0.01;
constexpr double max_chaos_per_second = 100;
constexpr double max_chaos_duration_s = 3600;

bool allowed(const request_ptr& req, const token_service& tokens,
             const responder& respond) {
  domains::rejection why;
  if (require_role(*req, tokens, "admin", why))
    return true;
  respond(api_error(why.code, why.message, req->trace_id));
  return false;
}

// Projection and consumer names: what the node registered, so any other
// shape names nothing.
bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > max_name)
    return false;
  for (auto c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-'))
      return false;
  return true;
}

admin_operations::done_handler
answer_with(http::status ok_status, std::string trace_id, responder respond) {
  return [ok_status, trace_id = std::move(trace_id),
          respond = std::move(respond)](operation_result result) {
    if (!result.error_code.empty())
      return respond(
          api_error(result.error_code, result.error_message, trace_id));
    respond(api_response{ok_status, domains::dump_json(result.body), {}});
  };
}

// `{target, id?}` of a crash request, or nothing after filling `why`.
std::optional<std::pair<std::string, std::string>>
read_crash(const api_request& req, domains::rejection& why) {
  auto body = read_json_object(req, why);
  if (!body)
    return std::nullopt;
  for (auto& [key, value] : body->items())
    if (key != "target" && key != "id") {
      why = {"invalid_input", key + ": unknown field"};
      return std::nullopt;
    }
  auto target = body->find("target");
  if (target == body->end() || !target->is_string() ||
      std::find(crash_targets.begin(), crash_targets.end(),
                target->get<std::string>()) == crash_targets.end()) {
    why = {"invalid_input", "target must be one of entity, shard, region, "
                            "journal, projection, gateway"};
    return std::nullopt;
  }
  std::string id;
  if (auto it = body->find("id"); it != body->end()) {
    if (!it->is_string() || it->get<std::string>().empty() ||
        it->get<std::string>().size() > max_crash_id) {
      why = {"invalid_input", "id must be a string of 1 to 256 characters"};
      return std::nullopt;
    }
    id = it->get<std::string>();
  }
  return std::make_pair(target->get<std::string>(), std::move(id));
}

/// A number field of `body` in (0, `max`], or nothing after filling `why`.
std::optional<double> positive_number(const json& body, const char* field,
                                      double max, domains::rejection& why) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_number() || !(it->get<double>() > 0) ||
      it->get<double>() > max) {
    why = {"invalid_input", std::string{field} +
                                " must be a number above 0 "
                                "and at most " +
                                domains::dump_json(json(max))};
    return std::nullopt;
  }
  return it->get<double>();
}

/// `{targets: ["<target>[:<id>]", ...], per_second, duration_s}`.
std::optional<chaos_plan> read_chaos_plan(const api_request& req,
                                          domains::rejection& why) {
  auto body = read_json_object(req, why);
  if (!body)
    return std::nullopt;
  for (auto& [key, value] : body->items())
    if (key != "targets" && key != "per_second" && key != "duration_s") {
      why = {"invalid_input", key + ": unknown field"};
      return std::nullopt;
    }
  auto targets = body->find("targets");
  if (targets == body->end() || !targets->is_array() || targets->empty() ||
      targets->size() > max_chaos_targets) {
    why = {"invalid_input", "targets must be an array of 1 to 16 targets"};
    return std::nullopt;
  }
  chaos_plan plan;
  for (auto& t : *targets) {
    auto text = t.is_string() ? t.get<std::string>() : std::string{};
    auto colon = text.find(':');
    auto target = text.substr(0, colon);
    auto id = colon == std::string::npos ? "" : text.substr(colon + 1);
    if (std::find(crash_targets.begin(), crash_targets.end(), target) ==
            crash_targets.end() ||
        (colon != std::string::npos &&
         (id.empty() || id.size() > max_crash_id))) {
      why = {"invalid_input",
             "targets: each is \"<target>\" or \"<target>:<id>\" with a "
             "target of entity, shard, region, journal, projection, gateway"};
      return std::nullopt;
    }
    plan.targets.emplace_back(std::move(target), std::move(id));
  }
  auto per_second =
      positive_number(*body, "per_second", max_chaos_per_second, why);
  if (!per_second)
    return std::nullopt;
  auto duration_s =
      positive_number(*body, "duration_s", max_chaos_duration_s, why);
  if (!duration_s)
    return std::nullopt;
  if (*per_second < min_chaos_per_second) {
    why = {"invalid_input", "per_second must be at least 0.01"};
    return std::nullopt;
  }
  if (*per_second * *duration_s < 1) {
    why = {"invalid_input",
           "per_second times duration_s must make at least one crash"};
    return std::nullopt;
  }
  plan.per_second = *per_second;
  plan.duration_s = *duration_s;
  return plan;
}

/// The node a leave names: `{"node_id": "..."}`, or this node when the
/// request has no body.
std::optional<std::string> read_leave(const api_request& req,
                                      domains::rejection& why) {
  if (req.raw.body().empty())
    return std::string{};
  auto body = read_json_object(req, why);
  if (!body)
    return std::nullopt;
  for (auto& [key, value] : body->items())
    if (key != "node_id") {
      why = {"invalid_input", key + ": unknown field"};
      return std::nullopt;
    }
  auto id = body->find("node_id");
  if (id == body->end() || !id->is_string() || id->get<std::string>().empty() ||
      id->get<std::string>().size() > 64) {
    why = {"invalid_input", "node_id must be a string of 1 to 64 characters"};
    return std::nullopt;
  }
  return id->get<std::string>();
}

} // namespace

void add_admin_routes(request_router& router, const token_service& tokens,
                      admin_operations& operations) {
  router.add(http::verb::get, "/admin/actors",
             [&tokens, &operations](request_ptr req, responder respond) {
               if (allowed(req, tokens, respond))
                 operations.actor_tree(answer_with(
                     http::status::ok, req->trace_id, std::move(respond)));
             });
  router.add(http::verb::get, "/admin/cluster",
             [&tokens, &operations](request_ptr req, responder respond) {
               if (allowed(req, tokens, respond))
                 operations.cluster(answer_with(http::status::ok, req->trace_id,
                                                std::move(respond)));
             });
  router.add(http::verb::post, "/admin/cluster/leave",
             [&tokens, &operations](request_ptr req, responder respond) {
               if (!allowed(req, tokens, respond))
                 return;
               domains::rejection why;
               auto node = read_leave(*req, why);
               if (!node)
                 return respond(
                     api_error(why.code, why.message, req->trace_id));
               operations.leave(std::move(*node),
                                answer_with(http::status::accepted,
                                            req->trace_id, std::move(respond)));
             });
  router.add(
      http::verb::post, "/admin/chaos/crash",
      [&tokens, &operations](request_ptr req, responder respond) {
        if (!allowed(req, tokens, respond))
          return;
        domains::rejection why;
        auto crash = read_crash(*req, why);
        if (!crash)
          return respond(api_error(why.code, why.message, req->trace_id));
        operations.crash(
            std::move(crash->first), std::move(crash->second),
            answer_with(http::status::ok, req->trace_id, std::move(respond)));
      });
  router.add(
      http::verb::post, "/admin/chaos/schedule",
      [&tokens, &operations](request_ptr req, responder respond) {
        if (!allowed(req, tokens, respond))
          return;
        domains::rejection why;
        auto plan = read_chaos_plan(*req, why);
        if (!plan)
          return respond(api_error(why.code, why.message, req->trace_id));
        operations.schedule_chaos(
            std::move(*plan), answer_with(http::status::accepted, req->trace_id,
                                          std::move(respond)));
      });
  router.add(http::verb::get, "/admin/chaos/schedule",
             [&tokens, &operations](request_ptr req, responder respond) {
               if (allowed(req, tokens, respond))
                 operations.chaos_status(answer_with(
                     http::status::ok, req->trace_id, std::move(respond)));
             });
  router.add(http::verb::delete_, "/admin/chaos/schedule",
             [&tokens, &operations](request_ptr req, responder respond) {
               if (allowed(req, tokens, respond))
                 operations.stop_chaos(answer_with(
                     http::status::ok, req->trace_id, std::move(respond)));
             });
  // Rebuild and rewind take no body; the name is the whole request.
  auto by_name = [&tokens](const char* kind,
                           void (admin_operations::*operation)(
                               std::string, admin_operations::done_handler),
                           admin_operations& ops) {
    return [&tokens, kind, operation, &ops](request_ptr req,
                                            responder respond) {
      if (!allowed(req, tokens, respond))
        return;
      const auto& name = req->param("name");
      if (!valid_name(name))
        return respond(api_error("not_found",
                                 std::string{"no "} + kind + " " + name,
                                 req->trace_id));
      (ops.*operation)(name, answer_with(http::status::accepted, req->trace_id,
                                         std::move(respond)));
    };
  };
  router.add(
      http::verb::post, "/admin/projections/{name}/rebuild",
      by_name("projection", &admin_operations::rebuild_projection, operations));
  router.add(
      http::verb::post, "/admin/consumers/{name}/rewind",
      by_name("consumer", &admin_operations::rewind_consumer, operations));
}

void add_metrics_routes(request_router& router, const token_service& tokens,
                        const http_metrics& metrics,
                        admin_operations* operations) {
  router.add(
      http::verb::get, "/metrics",
      [&tokens, &metrics, operations](request_ptr req, responder respond) {
        if (!allowed(req, tokens, respond))
          return;
        auto answer = [own = metrics.prometheus_text(),
                       respond = std::move(respond)](std::string more) {
          respond(api_response{
              http::status::ok,
              own + more,
              {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}}});
        };
        if (operations)
          operations->metrics(std::move(answer));
        else
          answer({});
      });
}

} // namespace mall::net
