// The read side of orders that `GET /orders`, `GET /deliveries` and
// `GET /mypage` are served from.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>

namespace mall::net {

/// One page of order docs, or why there is none.
struct order_page {
  /// Rows of the `orders` read model, newest first: the API's order plus
  /// `delivery_status` and `delivery_updated_at`.
  nlohmann::json items = nlohmann::json::array();
  /// Cursor of the next page; nothing on the last page.
  std::optional<std::string> next_cursor;
  /// The consistency wait ran out before `min_position` was reached.
  bool stale = false;
  /// Empty on success; otherwise an API error code (`invalid_input` for a
  /// cursor the view does not know, `unavailable`, ...).
  std::string error_code;
  std::string error_message;
};

/// A customer's my page, or why there is none.
struct mypage_answer {
  /// What `domains::orders::mypage_of` builds from the customer's rows.
  nlohmann::json page;
  bool stale = false;
  std::string error_code;
  std::string error_message;
};

/// Reads the `orders` read model (implemented by the node). Every call
/// answers `done` exactly once, from any thread, without blocking the caller.
/// `min_position` is a client's `X-Consistency-Token` ("tx.offset", empty
/// when none): the answer should include at least that write, waiting a
/// bounded time, else it is marked stale.
class order_views {
public:
  virtual ~order_views() = default;

  /// Orders of `owner` (every order when empty), `limit` (1..100) per page
  /// after `cursor` (empty: the first page).
  virtual void list_orders(std::string owner, int limit, std::string cursor,
                           std::string min_position,
                           std::function<void(order_page)> done) = 0;

  /// The my page of `user_id`.
  virtual void mypage(std::string user_id, std::string min_position,
                      std::function<void(mypage_answer)> done) = 0;
};

} // namespace mall::net
