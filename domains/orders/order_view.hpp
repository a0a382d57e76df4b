// The orders read model (`GET /orders`, `GET /mypage`, `GET /deliveries`
// without an order): one row per order, folded from order events only.
#pragma once

#include "domains/common/view_row.hpp"
#include "domains/orders/order.hpp"

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mall::domains::orders {

/// Folds order events into one row per order, owned by its customer, newest
/// order first (`sort_key` from `created_at`, ties by order id). The doc is
/// the API's order plus `delivery_status` (`null`, then `started`,
/// `completed`, or `cancelled` when the order is cancelled after its
/// delivery started) and `delivery_updated_at` (`null` until then).
struct order_view {
  static constexpr const char* name = "orders";

  /// The row after `event` of order `order_id`, given the row before (none
  /// before the order exists); std::nullopt when the row does not change.
  /// `offset` is the event's journal offset (unused: orders sort by time).
  static std::optional<view_row> fold(const std::optional<view_row>& current,
                                      const std::string& order_id,
                                      const order_event& event, int64_t offset);
};

/// My page of `user_id` from its order docs (rows of `order_view`, newest
/// first): `{user_id, orders: [{order_id, product_id, product_name, qty,
/// total, order_status, delivery_status, ordered_at, updated_at}],
/// order_count, total_spent}`. `order_count` counts every order,
/// `total_spent` sums the totals of placed and delivered ones.
nlohmann::json mypage_of(const std::string& user_id,
                         const std::vector<nlohmann::json>& order_docs);

} // namespace mall::domains::orders
