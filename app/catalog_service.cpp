#include "app/catalog_service.hpp"

#include "domains/products/catalog_view.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace mall::app {

catalog_service::catalog_service(
    std::shared_ptr<persistence::read_model_store> store,
    std::shared_ptr<projection_watermark> watermark,
    std::chrono::milliseconds consistency_wait)
    : store_(std::move(store)),
      watermark_(std::move(watermark)),
      consistency_wait_(consistency_wait) {}

catalog_service::~catalog_service() {
  pool_.join();
}

void catalog_service::list(net::catalog_query query,
                           std::function<void(net::catalog_page)> done) {
  boost::asio::post(pool_, [this, query = std::move(query),
                            done = std::move(done)] { done(list_now(query)); });
}

net::catalog_page catalog_service::list_now(const net::catalog_query& query) {
  net::catalog_page page;
  if (!query.min_position.empty()) {
    auto position = persistence::journal_position::parse(query.min_position);
    if (!position) {
      page.error_code = "invalid_consistency_token";
      page.error_message = "X-Consistency-Token: malformed";
      return page;
    }
    page.stale = !watermark_->wait_for(*position, consistency_wait_);
  }
  try {
    auto rows = store_->list(domains::products::catalog_view::name, "",
                             query.limit, query.cursor);
    if (!rows) {
      page.error_code = "invalid_input";
      page.error_message = "cursor: not a cursor of this list";
      return page;
    }
    for (const auto& row : rows->rows)
      page.items.push_back(nlohmann::json::parse(row.doc));
    if (!rows->next_cursor.empty())
      page.next_cursor = rows->next_cursor;
  } catch (const std::exception& e) {
    spdlog::warn("[{}] catalog list failed: {}", query.trace_id, e.what());
    page.error_code = "unavailable";
    page.error_message = "the product list is unavailable, retry shortly";
  }
  return page;
}

} // namespace mall::app
