// The read side of products that `GET /products` lists from.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

namespace mall::net {

/// One page request, already validated by the gateway.
struct catalog_query {
  /// 1..100.
  int limit = 20;
  /// Opaque cursor from a previous page; empty for the first page.
  std::string cursor;
  /// The client's `X-Consistency-Token` ("tx.offset"), empty when none: the
  /// catalog should include at least that write, waiting a bounded time.
  std::string min_position;
  std::string trace_id;
};

/// One page of products, or why there is none.
struct catalog_page {
  /// `{id, name, price, stock}` objects.
  nlohmann::json items = nlohmann::json::array();
  /// Cursor of the next page; nothing on the last page.
  std::optional<std::string> next_cursor;
  /// The consistency wait ran out before `min_position` was reached.
  bool stale = false;
  /// Empty on success; otherwise an API error code (`invalid_input` for a
  /// cursor the catalog does not know, `unavailable`, ...).
  std::string error_code;
  std::string error_message;
};

/// Lists products from a read model (implemented by the node).
class product_catalog {
public:
  virtual ~product_catalog() = default;

  /// Calls `done` exactly once, from any thread, without blocking the caller.
  virtual void list(catalog_query query,
                    std::function<void(catalog_page)> done) = 0;
};

} // namespace mall::net
