#include "app/read_model_views.hpp"

#include "domains/common/json_text.hpp"
#include "domains/orders/order_view.hpp"
#include "domains/products/catalog_view.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace mall::app {

read_model_views::read_model_views(
    std::shared_ptr<persistence::read_model_store> store,
    std::shared_ptr<projection_watermark> catalog_progress,
    std::shared_ptr<projection_watermark> orders_progress,
    std::chrono::milliseconds consistency_wait)
    : store_(std::move(store)),
      catalog_progress_(std::move(catalog_progress)),
      orders_progress_(std::move(orders_progress)),
      consistency_wait_(consistency_wait) {}

read_model_views::~read_model_views() {
  pool_.join();
}

std::optional<read_model_views::failure>
read_model_views::await(projection_watermark& progress,
                        const std::string& min_position, bool& stale) {
  if (min_position.empty())
    return std::nullopt;
  auto position = persistence::journal_position::parse(min_position);
  if (!position)
    return failure{"invalid_consistency_token",
                   "X-Consistency-Token: not a token this service issued"};
  stale = !progress.wait_for(*position, consistency_wait_);
  return std::nullopt;
}

std::optional<read_model_views::failure>
read_model_views::page_of(const std::string& model, const std::string& owner,
                          int limit, const std::string& cursor,
                          nlohmann::json& items,
                          std::optional<std::string>& next_cursor) {
  try {
    auto rows = store_->list(model, owner, limit, cursor);
    if (!rows)
      return failure{"invalid_input", "cursor: not a cursor of this list"};
    for (const auto& row : rows->rows)
      items.push_back(domains::parse_json(row.doc));
    if (!rows->next_cursor.empty())
      next_cursor = rows->next_cursor;
    return std::nullopt;
  } catch (const std::exception& e) {
    spdlog::warn("read model {} unavailable: {}", model, e.what());
    return failure{"unavailable", "the list is unavailable, retry shortly"};
  }
}

void read_model_views::list(net::catalog_query query,
                            std::function<void(net::catalog_page)> done) {
  boost::asio::post(pool_, [this, query = std::move(query),
                            done = std::move(done)] {
    net::catalog_page page;
    auto failed = await(*catalog_progress_, query.min_position, page.stale);
    if (!failed)
      failed = page_of(domains::products::catalog_view::name, "", query.limit,
                       query.cursor, page.items, page.next_cursor);
    if (failed) {
      page.error_code = failed->code;
      page.error_message = failed->message;
    }
    done(std::move(page));
  });
}

void read_model_views::list_orders(std::string owner, int limit,
                                   std::string cursor, std::string min_position,
                                   std::function<void(net::order_page)> done) {
  boost::asio::post(pool_, [=, done = std::move(done)] {
    net::order_page page;
    auto failed = await(*orders_progress_, min_position, page.stale);
    if (!failed)
      failed = page_of(domains::orders::order_view::name, owner, limit, cursor,
                       page.items, page.next_cursor);
    if (failed) {
      page.error_code = failed->code;
      page.error_message = failed->message;
    }
    done(std::move(page));
  });
}

void read_model_views::mypage(std::string user_id, std::string min_position,
                              std::function<void(net::mypage_answer)> done) {
  boost::asio::post(pool_, [=, done = std::move(done)] {
    net::mypage_answer answer;
    auto failed = await(*orders_progress_, min_position, answer.stale);
    // My page lists every order of the customer: walk all pages.
    std::vector<nlohmann::json> docs;
    std::string cursor;
    while (!failed) {
      auto items = nlohmann::json::array();
      std::optional<std::string> next;
      failed = page_of(domains::orders::order_view::name, user_id, 100, cursor,
                       items, next);
      for (auto& item : items)
        docs.push_back(std::move(item));
      if (!next)
        break;
      cursor = *next;
    }
    if (failed) {
      answer.error_code = failed->code;
      answer.error_message = failed->message;
    } else {
      answer.page = domains::orders::mypage_of(user_id, docs);
    }
    done(std::move(answer));
  });
}

} // namespace mall::app
