// The product list (`GET /products`): a read model folded from product events.
#pragma once

#include "domains/common/view_row.hpp"
#include "domains/products/product.hpp"

#include <optional>

namespace mall::domains::products {

/// Folds product events into one `{id, name, price, stock}` row per product,
/// newest product first.
struct catalog_view {
  static constexpr const char* name = "catalog";

  /// The row after `event` of product `product_id`, given the row before
  /// (none before the product exists); std::nullopt when the row does not
  /// change. `offset` is the event's journal offset.
  static std::optional<view_row> fold(const std::optional<view_row>& current,
                                      const std::string& product_id,
                                      const product_event& event,
                                      int64_t offset);
};

} // namespace mall::domains::products
