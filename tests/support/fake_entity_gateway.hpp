// TEST ONLY (no .cpp, so not part of mall_net): an entity_gateway that hosts
// the real aggregates in memory, for tests of the gateway without actors.
// Better placed in tests/support/ once the lead moves it there.
#pragma once

#include "actors/entity_gateway.hpp"
#include "domains/accounts/account_aggregate.hpp"
#include "domains/products/product_aggregate.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mall::net::testing {

/// Answers like the runtime's entities: products and accounts through their
/// real aggregates (parse, decide, apply, reply), on the caller's thread.
/// `unavailable` makes every ask time out at once; `hold` keeps replies until
/// `release`.
class fake_entity_gateway : public actors::entity_gateway {
public:
  void ask(actors::entity_command cmd, int64_t,
           reply_handler on_reply) override {
    std::unique_lock<std::mutex> lock{mx_};
    commands_.push_back(cmd);
    if (unavailable)
      return on_reply({"unavailable", "entity did not answer", "", ""});
    actors::entity_reply reply;
    if (cmd.type == "product")
      reply = host<domains::products::product_aggregate>(products_, cmd);
    else if (cmd.type == "account")
      reply = host<domains::accounts::account_aggregate>(accounts_, cmd);
    else
      reply = {"not_found", "no entity type " + cmd.type, "", ""};
    if (hold) {
      held_.emplace_back(std::move(on_reply), std::move(reply));
      held_cv_.notify_all();
      return;
    }
    lock.unlock();
    on_reply(std::move(reply));
  }

  /// Waits until `n` replies are held.
  bool wait_for_held(size_t n) {
    std::unique_lock<std::mutex> lock{mx_};
    return held_cv_.wait_for(lock, std::chrono::seconds{5},
                             [&] { return held_.size() >= n; });
  }

  /// Delivers the held replies.
  void release() {
    std::vector<std::pair<reply_handler, actors::entity_reply>> held;
    {
      std::lock_guard<std::mutex> guard{mx_};
      held.swap(held_);
    }
    for (auto& [handler, reply] : held)
      handler(reply);
  }

  size_t command_count() {
    std::lock_guard<std::mutex> guard{mx_};
    return commands_.size();
  }

  std::vector<actors::entity_command> commands() {
    std::lock_guard<std::mutex> guard{mx_};
    return commands_;
  }

  /// `{id, name, price, stock}` of every existing product.
  std::vector<nlohmann::json> product_views() {
    std::lock_guard<std::mutex> guard{mx_};
    std::vector<nlohmann::json> out;
    for (auto& [id, state] : products_)
      if (state.exists)
        out.push_back(nlohmann::json{{"id", state.id},
                                     {"name", state.name},
                                     {"price", state.price},
                                     {"stock", state.stock}});
    return out;
  }

  std::atomic<bool> unavailable{false};
  std::atomic<bool> hold{false};

private:
  template<class Aggregate>
  actors::entity_reply
  host(std::map<std::string, typename Aggregate::state>& states,
       const actors::entity_command& cmd) {
    domains::rejection why;
    auto body = nlohmann::json::parse(cmd.body, nullptr, false);
    auto parsed = Aggregate::parse_command(body, why);
    if (!parsed)
      return {why.code, why.message, "", ""};
    auto state = states[cmd.id];
    auto decision = Aggregate::decide(state, *parsed, {cmd.id, 1000});
    if (decision.rejected())
      return {decision.error->code, decision.error->message, "", ""};
    for (auto& ev : decision.events)
      state = Aggregate::apply(std::move(state), ev);
    states[cmd.id] = state;
    std::string position;
    if (!decision.events.empty())
      position = std::to_string(++tx_) + ".0";
    return {"", "", Aggregate::reply(state, *parsed).dump(), position};
  }

  std::mutex mx_;
  std::condition_variable held_cv_;
  std::vector<actors::entity_command> commands_;
  std::map<std::string, domains::products::product> products_;
  std::map<std::string, domains::accounts::account> accounts_;
  std::vector<std::pair<reply_handler, actors::entity_reply>> held_;
  int64_t tx_ = 0;
};

} // namespace mall::net::testing
