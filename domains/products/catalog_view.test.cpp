#define CAF_SUITE domains.products.catalog_view
#include "tests/support/caf_test.hpp"

#include "domains/products/catalog_view.hpp"

using namespace mall::domains;
using namespace mall::domains::products;

namespace {

/// Folds `events` of product "p1" from nothing, as the projection would.
std::optional<view_row> fold_all(const std::vector<product_event>& events) {
  std::optional<view_row> current;
  int64_t offset = 0;
  for (const auto& e : events)
    if (auto next = catalog_view::fold(current, "p1", e, ++offset))
      current = next;
  return current;
}

} // namespace

CAF_TEST(a created product appears with its fields and a sort key) {
  auto row = fold_all({product_created{"p1", "Tea", 300, 4}});
  CAF_REQUIRE(row);
  CAF_CHECK_EQUAL(row->key, "p1");
  CAF_CHECK_EQUAL(row->sort_key, "00000000000000000001");
  CAF_CHECK_EQUAL(row->doc.dump(),
                  R"({"id":"p1","name":"Tea","price":300,"stock":4})");
}

CAF_TEST(stock follows reservations restocks and releases) {
  auto row = fold_all({product_created{"p1", "Tea", 300, 4},
                       stock_decreased{"o1", 3, "Tea", 300},
                       stock_decrease_failed{"o2", 5, 1},
                       stock_increased{10, std::nullopt},
                       stock_increased{3, std::string{"o1"}}});
  CAF_REQUIRE(row);
  CAF_CHECK_EQUAL(row->doc["stock"].get<int64_t>(), 14);
}

CAF_TEST(an update changes name and price but keeps the sort key) {
  auto row = fold_all({product_created{"p1", "Tea", 300, 4},
                       product_updated{"Green tea", 350}});
  CAF_REQUIRE(row);
  CAF_CHECK_EQUAL(row->doc["name"].get<std::string>(), "Green tea");
  CAF_CHECK_EQUAL(row->doc["price"].get<int64_t>(), 350);
  CAF_CHECK_EQUAL(row->sort_key, "00000000000000000001");
}

CAF_TEST(events of a product the view has not seen change nothing) {
  CAF_CHECK(!catalog_view::fold(std::nullopt, "p1",
                                stock_increased{1, std::nullopt}, 7));
}
