// TEST ONLY (no .cpp, so not part of mall_net): the whole shop in memory for
// tests of the gateway without actors or a database. Better placed in
// tests/support/ next to fake_entity_gateway.hpp.
#pragma once

#include "actors/entity_gateway.hpp"
#include "domains/accounts/account_aggregate.hpp"
#include "domains/deliveries/delivery_aggregate.hpp"
#include "domains/orders/order_aggregate.hpp"
#include "domains/orders/order_saga.hpp"
#include "domains/orders/order_view.hpp"
#include "domains/products/product_aggregate.hpp"
#include "net/order_views.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace mall::net::testing {

/// Hosts products, accounts, orders and deliveries through their real
/// aggregates and runs the real saga reaction table after every event, all
/// on the caller's thread, like the runtime would: every reply carries the
/// entity's position, `wrote` tells whether the command wrote events, and
/// `{"type":"await"}` on an order answers at once when it is settled and
/// with `unavailable` (as a timed-out ask) otherwise. With `run_saga` off,
/// orders stay pending; with `unavailable` every ask fails.
class fake_shop : public actors::entity_gateway {
public:
  void ask(actors::entity_command cmd, int64_t,
           reply_handler on_reply) override {
    actors::entity_reply reply;
    {
      std::lock_guard<std::mutex> guard{mx_};
      asks_.push_back(cmd);
      reply = unavailable
                  ? actors::entity_reply{"unavailable", "entity did not answer",
                                         "", "", false}
                  : handle(cmd.type, cmd.id,
                           nlohmann::json::parse(cmd.body, nullptr, false));
      while (!saga_.empty()) {
        auto next = std::move(saga_.front());
        saga_.pop_front();
        handle(next.type, next.id, next.body);
      }
    }
    on_reply(std::move(reply));
  }

  /// Creates a product directly; returns its id.
  std::string add_product(const std::string& id, int64_t price, int64_t stock) {
    std::lock_guard<std::mutex> guard{mx_};
    handle("product", id,
           {{"type", "create"},
            {"name", "Mug"},
            {"price", price},
            {"stock", stock}});
    return id;
  }

  /// Registers a customer directly.
  void add_customer(const std::string& username, const std::string& user_id,
                    const std::string& address) {
    std::lock_guard<std::mutex> guard{mx_};
    handle("account", username,
           {{"type", "register"},
            {"user_id", user_id},
            {"username", username},
            {"password_hash", "$argon2id$fake"},
            {"name", "Name"},
            {"address", address},
            {"role", "customer"}});
  }

  /// The commands the gateway sent (not the saga's), in order.
  std::vector<actors::entity_command> asks() {
    std::lock_guard<std::mutex> guard{mx_};
    return asks_;
  }

  /// Rows of the orders read model, newest first.
  std::vector<domains::view_row> order_rows() {
    std::lock_guard<std::mutex> guard{mx_};
    std::vector<domains::view_row> out;
    for (auto& [id, row] : rows_)
      out.push_back(row);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::tie(a.sort_key, a.key) > std::tie(b.sort_key, b.key);
    });
    return out;
  }

  /// The transaction number of the latest event.
  int64_t last_tx() {
    std::lock_guard<std::mutex> guard{mx_};
    return tx_;
  }

  std::atomic<bool> unavailable{false};
  std::atomic<bool> run_saga{true};

private:
  template<class Aggregate> struct slot {
    typename Aggregate::state state;
    std::string position;
  };

  template<class Aggregate>
  using slots = std::map<std::string, slot<Aggregate>>;

  actors::entity_reply handle(const std::string& type, const std::string& id,
                              const nlohmann::json& body) {
    if (type == "order" && body.is_object() &&
        body.value("type", "") == "await")
      return await_order(id);
    if (type == "product")
      return host<domains::products::product_aggregate>(products_, type, id,
                                                        body);
    if (type == "account")
      return host<domains::accounts::account_aggregate>(accounts_, type, id,
                                                        body);
    if (type == "order")
      return host<domains::orders::order_aggregate>(orders_, type, id, body);
    if (type == "delivery")
      return host<domains::deliveries::delivery_aggregate>(deliveries_, type,
                                                           id, body);
    return {"not_found", "no entity type " + type, "", "", false};
  }

  actors::entity_reply await_order(const std::string& id) {
    auto& s = orders_[id];
    if (!s.state.exists || !domains::orders::order_aggregate::settled(s.state))
      return {"unavailable", "order did not settle in time", "", s.position,
              false};
    return host<domains::orders::order_aggregate>(orders_, "order", id,
                                                  {{"type", "get"}});
  }

  template<class Aggregate>
  actors::entity_reply host(slots<Aggregate>& all, const std::string& type,
                            const std::string& id, const nlohmann::json& body) {
    domains::rejection why;
    auto cmd = Aggregate::parse_command(body, why);
    if (!cmd)
      return {why.code, why.message, "", "", false};
    auto& s = all[id];
    now_ms_ += 1000;
    auto decision = Aggregate::decide(s.state, *cmd, {id, now_ms_});
    if (decision.rejected())
      return {decision.error->code, decision.error->message, "", s.position,
              false};
    for (auto& ev : decision.events) {
      s.state = Aggregate::apply(std::move(s.state), ev);
      s.position = std::to_string(++tx_) + ".0";
      auto encoded = Aggregate::encode_event(ev);
      if constexpr (std::is_same_v<Aggregate,
                                   domains::orders::order_aggregate>) {
        std::optional<domains::view_row> current;
        if (auto it = rows_.find(id); it != rows_.end())
          current = it->second;
        if (auto next = domains::orders::order_view::fold(current, id, ev, tx_))
          rows_[id] = std::move(*next);
      }
      if (run_saga)
        for (auto& next : domains::orders::react(type, id, encoded))
          saga_.push_back(std::move(next));
    }
    return {"", "", Aggregate::reply(s.state, *cmd).dump(), s.position,
            !decision.events.empty()};
  }

  std::mutex mx_;
  std::vector<actors::entity_command> asks_;
  std::deque<domains::orders::saga_command> saga_;
  slots<domains::products::product_aggregate> products_;
  slots<domains::accounts::account_aggregate> accounts_;
  slots<domains::orders::order_aggregate> orders_;
  slots<domains::deliveries::delivery_aggregate> deliveries_;
  std::map<std::string, domains::view_row> rows_;
  int64_t tx_ = 0;
  int64_t now_ms_ = 1'700'000'000'000;
};

/// Serves the fake shop's orders read model with offset cursors ("at<N>").
/// A consistency token beyond the shop's latest transaction gives a stale
/// answer; the cursor "gone" is unknown (`invalid_input`).
class fake_order_views : public order_views {
public:
  explicit fake_order_views(fake_shop& shop) : shop_(shop) {}

  void list_orders(std::string owner, int limit, std::string cursor,
                   std::string min_position,
                   std::function<void(order_page)> done) override {
    calls.push_back({owner, limit, cursor, min_position});
    order_page page;
    if (cursor == "gone") {
      page.error_code = "invalid_input";
      page.error_message = "cursor: unknown";
      return done(std::move(page));
    }
    size_t start = cursor.empty() ? 0 : std::stoul(cursor.substr(2));
    std::vector<nlohmann::json> docs;
    for (auto& row : shop_.order_rows())
      if (owner.empty() || row.owner == owner)
        docs.push_back(row.doc);
    size_t end = std::min(docs.size(), start + static_cast<size_t>(limit));
    for (size_t i = start; i < end; ++i)
      page.items.push_back(docs[i]);
    if (end < docs.size())
      page.next_cursor = "at" + std::to_string(end);
    page.stale = is_stale(min_position);
    done(std::move(page));
  }

  void mypage(std::string user_id, std::string min_position,
              std::function<void(mypage_answer)> done) override {
    calls.push_back({user_id, 0, "", min_position});
    std::vector<nlohmann::json> docs;
    for (auto& row : shop_.order_rows())
      if (row.owner == user_id)
        docs.push_back(row.doc);
    done({domains::orders::mypage_of(user_id, docs), is_stale(min_position), "",
          ""});
  }

  /// What each call asked for (`limit` 0 for my page).
  struct call {
    std::string owner;
    int limit;
    std::string cursor;
    std::string min_position;
  };
  std::vector<call> calls;

private:
  bool is_stale(const std::string& position) {
    return !position.empty() &&
           std::stoll(position.substr(0, position.find('.'))) > shop_.last_tx();
  }

  fake_shop& shop_;
};

} // namespace mall::net::testing
