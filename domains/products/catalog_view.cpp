#include "domains/products/catalog_view.hpp"

#include "domains/common/json_object.hpp"
#include "domains/common/overloaded.hpp"

namespace mall::domains::products {

namespace {

using row = std::optional<view_row>;

row with_stock_change(const row& current, int64_t delta) {
  if (!current)
    return std::nullopt;
  auto next = *current;
  next.doc["stock"] = next.doc["stock"].get<int64_t>() + delta;
  return next;
}

} // namespace

row catalog_view::fold(const row& current, const std::string& product_id,
                       const product_event& event, int64_t offset) {
  return std::visit(
      overloaded{
          [&](const product_created& e) -> row {
            return view_row{product_id, "", sort_key_of(offset),
                            domains::json_object{}
                                .with("id", product_id)
                                .with("name", e.name)
                                .with("price", e.price)
                                .with("stock", e.stock)};
          },
          [&](const product_updated& e) -> row {
            if (!current)
              return std::nullopt;
            auto next = *current;
            next.doc["name"] = e.name;
            next.doc["price"] = e.price;
            return next;
          },
          [&](const stock_increased& e) {
            return with_stock_change(current, e.qty);
          },
          [&](const stock_decreased& e) {
            return with_stock_change(current, -e.qty);
          },
          [&](const stock_decrease_failed&) -> row { return std::nullopt; },
          [&](const reservation_voided&) -> row { return std::nullopt; },
      },
      event);
}

} // namespace mall::domains::products
