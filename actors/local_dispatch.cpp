#include "actors/local_dispatch.hpp"

#include "caf/send.hpp"

namespace mall::actors {

void dispatch_local(const shard_directory& directory,
                    std::shared_ptr<shard_routes> routes, size_t index,
                    ask_request req) {
  auto inner = std::move(req.reply);
  req.reply = std::shared_ptr<reply_guard>(new reply_guard(
      [routes = std::move(routes), index, inner](entity_reply reply) {
        routes->leave_local(index);
        inner->deliver(std::move(reply));
      }));
  caf::anon_send(directory.get(index), std::move(req));
}

} // namespace mall::actors
