#include "persistence/pg_connection_pool.hpp"

#include <pqxx/pqxx>

namespace mall::persistence {

pg_connection_pool::pg_connection_pool(std::string url, size_t max_size,
                                       std::string on_connect)
    : url_(std::move(url)),
      max_size_(max_size > 0 ? max_size : 1),
      on_connect_(std::move(on_connect)) {}

size_t pg_connection_pool::open_connections() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return open_;
}

std::unique_ptr<pqxx::connection> pg_connection_pool::acquire() {
  std::unique_lock<std::mutex> lock{mutex_};
  available_.wait(lock, [&] { return !idle_.empty() || open_ < max_size_; });
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
  }
  ++open_;
  lock.unlock();
  // Connect outside the lock: it may take a while and must not block
  // threads that only return connections.
  try {
    auto connection = std::make_unique<pqxx::connection>(url_);
    if (!on_connect_.empty()) {
      pqxx::nontransaction tx{*connection};
      tx.exec(on_connect_);
    }
    return connection;
  } catch (...) {
    lock.lock();
    --open_;
    available_.notify_one();
    throw;
  }
}

void pg_connection_pool::release(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (connection->is_open())
    idle_.push_back(std::move(connection));
  else
    --open_;
  available_.notify_one();
}

} // namespace mall::persistence
