#include "actors/fenced_gateway.hpp"

#include "actors/entity.hpp"

namespace mall::actors {

fenced_gateway::fenced_gateway(entity_gateway& inner,
                               std::function<bool()> serving)
    : inner_(inner), serving_(std::move(serving)) {}

void fenced_gateway::ask(entity_command cmd, int64_t timeout_ms,
                         reply_handler on_reply) {
  if (!serving_()) {
    on_reply(
        error_reply("unavailable", "this node holds no cluster lease, retry"));
    return;
  }
  inner_.ask(std::move(cmd), timeout_ms, std::move(on_reply));
}

} // namespace mall::actors
