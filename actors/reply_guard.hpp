// Exactly-once delivery of a gateway reply.
#pragma once

#include "actors/entity_gateway.hpp"

#include <atomic>

namespace mall::actors {

/// Owns an `entity_gateway::reply_handler` and calls it exactly once: with
/// the first reply delivered, or, when the last owner drops it unanswered
/// (its shard crashed, its message was lost), with `unavailable`.
class reply_guard {
public:
  explicit reply_guard(entity_gateway::reply_handler handler);
  ~reply_guard();

  reply_guard(const reply_guard&) = delete;
  reply_guard& operator=(const reply_guard&) = delete;

  /// Calls the handler unless it ran already; later calls do nothing.
  void deliver(entity_reply reply);

  /// Whether the handler ran.
  bool delivered() const noexcept {
    return done_.load(std::memory_order_acquire);
  }

private:
  std::atomic<bool> done_{false};
  entity_gateway::reply_handler handler_;
};

} // namespace mall::actors
