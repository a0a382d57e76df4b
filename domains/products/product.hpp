// The products bounded context: a catalogue entry with its stock, and the
// per-order memory that makes stock reservations idempotent for the saga.
#pragma once

#include "domains/common/decision.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace mall::domains::products {

// -- state --------------------------------------------------------------------

/// Where one order's reservation stands. `released` also covers a release
/// that arrived before its reservation: a late reserve is then refused.
enum class reservation_status { reserved, failed, released };

/// What a product remembers of one order, so that reserving and releasing
/// happen at most once per order however often the saga repeats itself.
struct order_reservation {
  reservation_status status = reservation_status::reserved;
  int64_t qty = 0;
  /// Name and price when the stock was reserved; the order keeps them.
  std::string name;
  int64_t price = 0;
};

/// A product of the catalogue. Default-constructed means it does not exist.
struct product {
  bool exists = false;
  std::string id;
  std::string name;
  int64_t price = 0;
  /// Never negative.
  int64_t stock = 0;
  /// Keyed by order id.
  std::map<std::string, order_reservation> reservations;
};

// -- commands -----------------------------------------------------------------

/// Puts a new product in the catalogue under the entity id.
struct create_product {
  std::string name;
  int64_t price = 0;
  int64_t stock = 0;
};

/// Changes the name and/or the price (at least one is present).
struct update_product {
  std::optional<std::string> name;
  std::optional<int64_t> price;
};

/// Adds stock delivered by a supplier.
struct restock_product {
  int64_t qty = 0;
};

/// Reads the product.
struct get_product {};

/// Takes `qty` out of stock for an order, once per order.
struct reserve_stock {
  std::string order_id;
  int64_t qty = 0;
};

/// Gives an order's reservation back, once per order.
struct release_stock {
  std::string order_id;
};

/// Every command a product accepts.
using product_command =
    std::variant<create_product, update_product, restock_product, get_product,
                 reserve_stock, release_stock>;

// -- events -------------------------------------------------------------------

/// `ProductCreated`.
struct product_created {
  std::string id;
  std::string name;
  int64_t price = 0;
  int64_t stock = 0;
};

/// `ProductUpdated`: the name and price after the change.
struct product_updated {
  std::string name;
  int64_t price = 0;
};

/// `StockIncreased`: a restock, or an order's reservation given back (then
/// `order_id` is set).
struct stock_increased {
  int64_t qty = 0;
  std::optional<std::string> order_id;
};

/// `StockDecreased`: stock reserved for an order, with the name and price the
/// order captures.
struct stock_decreased {
  std::string order_id;
  int64_t qty = 0;
  std::string name;
  int64_t price = 0;
};

/// `StockDecreaseFailed`: not enough stock for an order.
struct stock_decrease_failed {
  std::string order_id;
  int64_t qty = 0;
  int64_t available = 0;
};

/// `ReservationVoided`: an order released its stock before reserving it; a
/// reservation that arrives later is refused.
struct reservation_voided {
  std::string order_id;
};

/// Every event a product records.
using product_event =
    std::variant<product_created, product_updated, stock_increased,
                 stock_decreased, stock_decrease_failed, reservation_voided>;

// -- behaviour ----------------------------------------------------------------

/// Decides what `cmd` does to `state`. Rejections: `not_found` for any
/// command but create on a product that does not exist, `already_exists` for
/// create on one that does.
decision<product_event> decide(const product& state, const product_command& cmd,
                               const command_context& ctx);

/// Folds one event into the state.
product apply(product state, const product_event& event);

/// Returns the reservation of `order_id`, if the product has one.
const order_reservation* find_reservation(const product& state,
                                          const std::string& order_id);

} // namespace mall::domains::products
