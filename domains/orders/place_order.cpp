#include "domains/orders/place_order.hpp"

#include "domains/orders/order_codec.hpp"

namespace mall::domains::orders {

std::optional<place_order> parse_place_order(const nlohmann::json& body,
                                             rejection& why) {
  auto in = json_fields::of_request(body, {"product_id", "qty", "address"});
  place_order req;
  req.product_id = in.text("product_id", product_id_bounds);
  req.qty = in.integer("qty", qty_bounds);
  req.address = in.optional_text("address", address_bounds);
  return in.result(std::move(req), why);
}

} // namespace mall::domains::orders
