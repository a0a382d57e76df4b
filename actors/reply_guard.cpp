#include "actors/reply_guard.hpp"

namespace mall::actors {

reply_guard::reply_guard(entity_gateway::reply_handler handler)
    : handler_(std::move(handler)) {
  // nop
}

reply_guard::~reply_guard() {
  // The last owner is going: nothing can deliver concurrently any more, and
  // most guards were answered, so the error reply is built only when needed.
  if (!delivered())
    deliver(entity_reply{"unavailable", "the entity did not answer", {}, {}});
}

void reply_guard::deliver(entity_reply reply) {
  if (done_.exchange(true, std::memory_order_acq_rel))
    return;
  // Release the handler's captures as soon as it ran.
  auto handler = std::move(handler_);
  handler(std::move(reply));
}

} // namespace mall::actors
