#include "domains/products/product_codec.hpp"

#include "domains/common/json_object.hpp"
#include "domains/common/overloaded.hpp"

#include <stdexcept>

namespace mall::domains::products {

using nlohmann::json;

namespace {

// -- commands -----------------------------------------------------------------

std::optional<product_command> parse_body(const std::string& type,
                                          const json& body, rejection& why) {
  if (type == "create") {
    auto in = json_fields::of_command(body, {"name", "price", "stock"});
    create_product cmd;
    cmd.name = in.text("name", name_bounds);
    cmd.price = in.integer("price", price_bounds);
    cmd.stock = in.integer("stock", stock_bounds);
    return in.result<product_command>(cmd, why);
  }
  if (type == "update") {
    auto in = json_fields::of_command(body, {"name", "price"});
    update_product cmd;
    cmd.name = in.optional_text("name", name_bounds);
    cmd.price = in.optional_integer("price", price_bounds);
    if (!cmd.name && !cmd.price)
      in.fail("body", "needs name or price");
    return in.result<product_command>(cmd, why);
  }
  if (type == "restock") {
    auto in = json_fields::of_command(body, {"qty"});
    restock_product cmd;
    cmd.qty = in.integer("qty", qty_bounds);
    return in.result<product_command>(cmd, why);
  }
  if (type == "get") {
    auto in = json_fields::of_command(body, {});
    return in.result<product_command>(get_product{}, why);
  }
  if (type == "reserve") {
    auto in = json_fields::of_command(body, {"order_id", "qty"});
    reserve_stock cmd;
    cmd.order_id = in.text("order_id", order_id_bounds);
    cmd.qty = in.integer("qty", qty_bounds);
    return in.result<product_command>(cmd, why);
  }
  if (type == "release") {
    auto in = json_fields::of_command(body, {"order_id"});
    release_stock cmd;
    cmd.order_id = in.text("order_id", order_id_bounds);
    return in.result<product_command>(cmd, why);
  }
  why = rejection{"invalid_input", "type: unknown command"};
  return std::nullopt;
}

// -- reservations -------------------------------------------------------------

const char* to_string(reservation_status status) {
  switch (status) {
  case reservation_status::reserved:
    return "reserved";
  case reservation_status::failed:
    return "failed";
  case reservation_status::released:
    return "released";
  }
  throw std::invalid_argument("unknown reservation status");
}

reservation_status reservation_status_from(const std::string& text) {
  for (auto status : {reservation_status::reserved, reservation_status::failed,
                      reservation_status::released})
    if (text == to_string(status))
      return status;
  throw std::invalid_argument("unknown reservation status: " + text);
}

json encode_view(const product& state) {
  return json_object{}
      .with("id", state.id)
      .with("name", state.name)
      .with("price", state.price)
      .with("stock", state.stock);
}

// Adds what an order learns about its reservation to the product view.
void add_reservation(json& view, const product& state,
                     const std::string& order_id) {
  auto* r = find_reservation(state, order_id);
  if (!r)
    return;
  view["reservation"] = to_string(r->status);
  view["qty"] = r->qty;
  if (r->status == reservation_status::reserved) {
    view["name"] = r->name;
    view["price"] = r->price;
  }
}

} // namespace

std::optional<product_command> product_codec::parse_command(const json& body,
                                                            rejection& why) {
  auto type = command_type(body, why);
  if (!type)
    return std::nullopt;
  return parse_body(*type, body, why);
}

json product_codec::encode_reply(const product& state,
                                 const product_command& cmd) {
  auto view = encode_view(state);
  if (auto* c = std::get_if<reserve_stock>(&cmd))
    add_reservation(view, state, c->order_id);
  else if (auto* c = std::get_if<release_stock>(&cmd))
    add_reservation(view, state, c->order_id);
  return view;
}

// -- events -------------------------------------------------------------------

json product_codec::encode_event(const product_event& event) {
  return std::visit(overloaded{
                        [](const product_created& e) {
                          return json_object{}
                              .with("type", "ProductCreated")
                              .with("id", e.id)
                              .with("name", e.name)
                              .with("price", e.price)
                              .with("stock", e.stock);
                        },
                        [](const product_updated& e) {
                          return json_object{}
                              .with("type", "ProductUpdated")
                              .with("name", e.name)
                              .with("price", e.price);
                        },
                        [](const stock_increased& e) {
                          json_object j;
                          j.with("type", "StockIncreased").with("qty", e.qty);
                          if (e.order_id)
                            j.with("order_id", *e.order_id);
                          return j;
                        },
                        [](const stock_decreased& e) {
                          return json_object{}
                              .with("type", "StockDecreased")
                              .with("order_id", e.order_id)
                              .with("qty", e.qty)
                              .with("name", e.name)
                              .with("price", e.price);
                        },
                        [](const stock_decrease_failed& e) {
                          return json_object{}
                              .with("type", "StockDecreaseFailed")
                              .with("order_id", e.order_id)
                              .with("qty", e.qty)
                              .with("available", e.available);
                        },
                        [](const reservation_voided& e) {
                          return json_object{}
                              .with("type", "ReservationVoided")
                              .with("order_id", e.order_id);
                        },
                    },
                    event);
}

product_event product_codec::decode_event(const json& j) {
  auto type = j.at("type").get<std::string>();
  auto str = [&](const char* key) { return j.at(key).get<std::string>(); };
  auto num = [&](const char* key) { return j.at(key).get<int64_t>(); };
  if (type == "ProductCreated")
    return product_created{str("id"), str("name"), num("price"), num("stock")};
  if (type == "ProductUpdated")
    return product_updated{str("name"), num("price")};
  if (type == "StockIncreased") {
    stock_increased e{num("qty"), std::nullopt};
    if (j.contains("order_id"))
      e.order_id = str("order_id");
    return e;
  }
  if (type == "StockDecreased")
    return stock_decreased{str("order_id"), num("qty"), str("name"),
                           num("price")};
  if (type == "StockDecreaseFailed")
    return stock_decrease_failed{str("order_id"), num("qty"), num("available")};
  if (type == "ReservationVoided")
    return reservation_voided{str("order_id")};
  throw std::invalid_argument("unknown product event: " + type);
}

// -- state --------------------------------------------------------------------

json product_codec::encode_state(const product& state) {
  auto reservations = json::object();
  for (const auto& [order_id, r] : state.reservations)
    reservations[order_id] = json_object{}
                                 .with("status", to_string(r.status))
                                 .with("qty", r.qty)
                                 .with("name", r.name)
                                 .with("price", r.price);
  return json_object{}
      .with("exists", state.exists)
      .with("id", state.id)
      .with("name", state.name)
      .with("price", state.price)
      .with("stock", state.stock)
      .with("reservations", std::move(reservations));
}

product product_codec::decode_state(const json& j) {
  product state;
  state.exists = j.at("exists").get<bool>();
  state.id = j.at("id").get<std::string>();
  state.name = j.at("name").get<std::string>();
  state.price = j.at("price").get<int64_t>();
  state.stock = j.at("stock").get<int64_t>();
  for (const auto& [order_id, r] : j.at("reservations").items())
    state.reservations[order_id] = order_reservation{
        reservation_status_from(r.at("status").get<std::string>()),
        r.at("qty").get<int64_t>(), r.at("name").get<std::string>(),
        r.at("price").get<int64_t>()};
  return state;
}

} // namespace mall::domains::products
