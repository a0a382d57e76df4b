// `GET /products` served from the catalog read model.
#pragma once

#include "app/projection_watermark.hpp"
#include "net/product_catalog.hpp"
#include "persistence/read_model_store.hpp"

#include <boost/asio/thread_pool.hpp>

#include <memory>

namespace mall::app {

/// Lists products from the `catalog` read model on its own small thread pool
/// (queries and consistency waits block; io threads must not).
class catalog_service : public net::product_catalog {
public:
  catalog_service(std::shared_ptr<persistence::read_model_store> store,
                  std::shared_ptr<projection_watermark> watermark,
                  std::chrono::milliseconds consistency_wait);
  ~catalog_service() override;

  void list(net::catalog_query query,
            std::function<void(net::catalog_page)> done) override;

private:
  net::catalog_page list_now(const net::catalog_query& query);

  std::shared_ptr<persistence::read_model_store> store_;
  std::shared_ptr<projection_watermark> watermark_;
  std::chrono::milliseconds consistency_wait_;
  boost::asio::thread_pool pool_{2};
};

} // namespace mall::app
