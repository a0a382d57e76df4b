// The gateway's read side: product list, order lists and my page, served
// from the read models with the consistency-token wait.
#pragma once

#include "app/projection_watermark.hpp"
#include "net/order_views.hpp"
#include "net/product_catalog.hpp"
#include "persistence/read_model_store.hpp"

#include <boost/asio/thread_pool.hpp>

#include <memory>

namespace mall::app {

/// Answers list queries on its own small thread pool (queries and
/// consistency waits block; io threads must not).
class read_model_views : public net::product_catalog, public net::order_views {
public:
  read_model_views(std::shared_ptr<persistence::read_model_store> store,
                   std::shared_ptr<projection_watermark> catalog_progress,
                   std::shared_ptr<projection_watermark> orders_progress,
                   std::chrono::milliseconds consistency_wait);
  ~read_model_views() override;

  void list(net::catalog_query query,
            std::function<void(net::catalog_page)> done) override;
  void list_orders(std::string owner, int limit, std::string cursor,
                   std::string min_position,
                   std::function<void(net::order_page)> done) override;
  void mypage(std::string user_id, std::string min_position,
              std::function<void(net::mypage_answer)> done) override;

private:
  /// Why a read cannot be answered (error code and message), or nothing.
  struct failure {
    std::string code;
    std::string message;
  };

  /// Waits until `progress` includes `min_position` (bounded). Sets `stale`
  /// when the wait ran out; returns a failure for a malformed token.
  std::optional<failure> await(projection_watermark& progress,
                               const std::string& min_position, bool& stale);

  /// One page of `model` as JSON docs, or a failure.
  std::optional<failure> page_of(const std::string& model,
                                 const std::string& owner, int limit,
                                 const std::string& cursor,
                                 nlohmann::json& items,
                                 std::optional<std::string>& next_cursor);

  std::shared_ptr<persistence::read_model_store> store_;
  std::shared_ptr<projection_watermark> catalog_progress_;
  std::shared_ptr<projection_watermark> orders_progress_;
  std::chrono::milliseconds consistency_wait_;
  boost::asio::thread_pool pool_{4};
};

} // namespace mall::app
