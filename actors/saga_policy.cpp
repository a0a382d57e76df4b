#include "actors/saga_policy.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace mall::actors {

namespace {

/// The replies to one batch's commands, filled from runtime threads.
struct batch_replies {
  std::mutex mtx;
  std::condition_variable cv;
  size_t missing = 0;
  std::vector<entity_reply> replies;
};

/// Sends `cmds` and waits for every reply; throws when one is missing or
/// `unavailable`, so that the consumer retries the batch.
void send_and_wait(const std::string& name, entity_gateway& gateway,
                   std::vector<entity_command> cmds, int64_t timeout_ms) {
  if (cmds.empty())
    return;
  auto state = std::make_shared<batch_replies>();
  state->missing = cmds.size();
  state->replies.resize(cmds.size());
  for (size_t i = 0; i < cmds.size(); ++i)
    gateway.ask(cmds[i], timeout_ms, [state, i](entity_reply reply) {
      std::lock_guard<std::mutex> guard{state->mtx};
      state->replies[i] = std::move(reply);
      if (--state->missing == 0)
        state->cv.notify_all();
    });
  std::unique_lock<std::mutex> guard{state->mtx};
  // The gateway answers every ask by its timeout; the extra second only
  // covers a gateway that broke that promise.
  auto limit = std::chrono::milliseconds(timeout_ms) + std::chrono::seconds(1);
  if (!state->cv.wait_for(guard, limit, [&] { return state->missing == 0; }))
    throw std::runtime_error(name + ": " + std::to_string(state->missing) +
                             " replies missing, retrying the batch");
  for (size_t i = 0; i < cmds.size(); ++i) {
    auto& reply = state->replies[i];
    auto& cmd = cmds[i];
    if (reply.ok())
      continue;
    if (reply.error_code == "unavailable")
      throw std::runtime_error(name + ": " + cmd.type + "/" + cmd.id +
                               " unavailable (" + reply.error_message +
                               "), trace=" + cmd.trace_id +
                               ", retrying the batch");
    spdlog::warn("{} trace={}: {}/{} refused {}: {} ({})", name, cmd.trace_id,
                 cmd.type, cmd.id, cmd.body, reply.error_code,
                 reply.error_message);
  }
}

} // namespace

std::vector<entity_command>
policy_commands_of(const std::vector<persistence::event_record>& batch,
                   const policy_reaction& react) {
  std::vector<entity_command> result;
  for (const auto& rec : batch) {
    auto bar = rec.persistence_id.find('|');
    auto event = nlohmann::json::parse(rec.payload, nullptr, false);
    if (bar == std::string::npos || event.is_discarded()) {
      spdlog::error("policy: skipping malformed event {} #{} (trace={})",
                    rec.persistence_id, rec.seq_nr, rec.trace_id);
      continue;
    }
    std::vector<policy_command> cmds;
    try {
      cmds = react(rec.persistence_id.substr(0, bar),
                   rec.persistence_id.substr(bar + 1), event);
    } catch (const std::exception& e) {
      spdlog::error("policy: reaction to {} #{} failed, skipped (trace={}): "
                    "{}",
                    rec.persistence_id, rec.seq_nr, rec.trace_id, e.what());
      continue;
    }
    for (auto& cmd : cmds)
      result.push_back(entity_command{std::move(cmd.type), std::move(cmd.id),
                                      cmd.body.dump(), rec.trace_id});
  }
  return result;
}

event_consumer_config saga_policy(std::shared_ptr<persistence::journal> journal,
                                  entity_gateway& gateway,
                                  policy_reaction react,
                                  saga_policy_options options) {
  event_consumer_config cfg;
  cfg.name = options.name;
  cfg.journal = std::move(journal);
  cfg.settings = options.settings;
  cfg.handle = [&gateway, react = std::move(react), name = options.name,
                timeout = options.ask_timeout_ms](
                   const std::vector<persistence::event_record>& batch) {
    send_and_wait(name, gateway, policy_commands_of(batch, react), timeout);
  };
  return cfg;
}

} // namespace mall::actors
