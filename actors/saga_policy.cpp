#include "actors/saga_policy.hpp"

#include "domains/common/json_text.hpp"

#include <atomic>

#include <spdlog/spdlog.h>

namespace mall::actors {

namespace {

/// The replies to one batch's commands, filled from runtime threads.
struct batch_replies {
  std::string name;
  std::vector<entity_command> cmds;
  std::vector<entity_reply> replies;
  std::atomic<size_t> missing{0};
  batch_done done;
};

/// Called once every reply is in: logs refusals and reports the batch as
/// failed when a target was `unavailable`, so that the consumer retries it.
void finish(batch_replies& batch) {
  auto ok = true;
  for (size_t i = 0; i < batch.cmds.size(); ++i) {
    auto& reply = batch.replies[i];
    auto& cmd = batch.cmds[i];
    if (reply.ok())
      continue;
    if (reply.error_code == "unavailable") {
      spdlog::warn("{} trace={}: {}/{} unavailable ({}), retrying the batch",
                   batch.name, cmd.trace_id, cmd.type, cmd.id,
                   reply.error_message);
      ok = false;
      continue;
    }
    spdlog::warn("{} trace={}: {}/{} refused {}: {} ({})", batch.name,
                 cmd.trace_id, cmd.type, cmd.id, cmd.body, reply.error_code,
                 reply.error_message);
  }
  batch.done(ok);
}

/// Sends `cmds` and reports through `done` once every reply is in (the
/// gateway answers each ask by its timeout at the latest).
void send_all(const std::string& name, entity_gateway& gateway,
              std::vector<entity_command> cmds, int64_t timeout_ms,
              batch_done done) {
  if (cmds.empty()) {
    done(true);
    return;
  }
  auto batch = std::make_shared<batch_replies>();
  batch->name = name;
  batch->replies.resize(cmds.size());
  batch->missing = cmds.size();
  batch->done = std::move(done);
  batch->cmds = std::move(cmds);
  for (size_t i = 0; i < batch->cmds.size(); ++i)
    gateway.ask(batch->cmds[i], timeout_ms, [batch, i](entity_reply reply) {
      batch->replies[i] = std::move(reply);
      if (batch->missing.fetch_sub(1) == 1)
        finish(*batch);
    });
}

} // namespace

std::vector<entity_command>
policy_commands_of(const std::vector<persistence::event_record>& batch,
                   const policy_reaction& react) {
  std::vector<entity_command> result;
  for (const auto& rec : batch) {
    auto bar = rec.persistence_id.find('|');
    auto event = domains::try_parse_json(rec.payload);
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
                                      domains::dump_json(cmd.body),
                                      rec.trace_id, false, cmd.expect_new});
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
  cfg.offset_save_interval = options.offset_save_interval;
  cfg.start = [&gateway, react = std::move(react), name = options.name,
               timeout = options.ask_timeout_ms](
                  const std::vector<persistence::event_record>& batch,
                  batch_done done) {
    send_all(name, gateway, policy_commands_of(batch, react), timeout,
             std::move(done));
  };
  return cfg;
}

} // namespace mall::actors
