#include "net/mypage_api.hpp"

#include "domains/common/json_text.hpp"
#include "net/access_control.hpp"
#include "net/api_error.hpp"
#include "net/consistency_token.hpp"

namespace mall::net {

namespace http = boost::beast::http;

void add_mypage_routes(request_router& router, const gateway_services& services,
                       order_views& views) {
  router.add(
      http::verb::get, "/mypage",
      [&tokens = services.tokens,
       &views](std::shared_ptr<const api_request> req, responder respond) {
        domains::rejection why;
        auto who = require_role(*req, tokens, "customer", why);
        std::optional<std::string> token;
        if (who)
          token = read_consistency_token(*req, why);
        if (!token)
          return respond(api_error(why.code, why.message, req->trace_id));
        views.mypage(
            who->user_id, std::move(*token),
            [trace_id = req->trace_id,
             respond = std::move(respond)](mypage_answer answer) {
              if (!answer.error_code.empty())
                return respond(api_error(answer.error_code,
                                         answer.error_message, trace_id));
              api_response res{
                  http::status::ok, domains::dump_json(answer.page), {}};
              if (answer.stale)
                res.headers.emplace_back("X-Consistency", "stale");
              respond(std::move(res));
            });
      });
}

} // namespace mall::net
