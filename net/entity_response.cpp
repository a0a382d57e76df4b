#include "net/entity_response.hpp"

#include "net/api_error.hpp"

namespace mall::net {

api_response entity_response(const actors::entity_reply& reply,
                             boost::beast::http::status ok_status,
                             std::string_view trace_id) {
  if (!reply.ok())
    return api_error(reply.error_code, reply.error_message, trace_id);
  api_response res;
  res.status = ok_status;
  res.body = reply.body;
  if (!reply.position.empty())
    res.headers.emplace_back("X-Consistency-Token", reply.position);
  return res;
}

} // namespace mall::net
