// A small, bounded set of reusable PostgreSQL connections.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <pqxx/except>
#include <string>
#include <type_traits>
#include <vector>

namespace mall::persistence {

/// Hands out at most `max_size` connections to `url`, opened on demand and
/// reused. A connection that broke is dropped, not returned. Thread-safe.
class pg_connection_pool {
public:
  /// `on_connect` (optional): SQL run once on every new connection, e.g.
  /// session settings.
  pg_connection_pool(std::string url, size_t max_size,
                     std::string on_connect = {});

  /// Runs `fn(pqxx::connection&)` on a pooled connection, waiting while all
  /// are busy. Exceptions from connecting or from `fn` propagate.
  template<class F> auto with_connection(F&& fn) {
    auto connection = acquire();
    try {
      if constexpr (std::is_void_v<decltype(fn(*connection))>) {
        fn(*connection);
        release(std::move(connection));
      } else {
        auto result = fn(*connection);
        release(std::move(connection));
        return result;
      }
    } catch (...) {
      release(std::move(connection));
      throw;
    }
  }

  /// Connections currently open (idle or lent out).
  size_t open_connections() const;

private:
  std::unique_ptr<pqxx::connection> acquire();
  void release(std::unique_ptr<pqxx::connection> connection);

  std::string url_;
  size_t max_size_;
  std::string on_connect_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t open_ = 0;
};

} // namespace mall::persistence
