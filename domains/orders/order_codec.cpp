#include "domains/orders/order_codec.hpp"

#include "domains/common/json_object.hpp"
#include "domains/common/overloaded.hpp"

#include <stdexcept>

namespace mall::domains::orders {

using nlohmann::json;

namespace {

// -- commands -----------------------------------------------------------------

reject_reason read_reason(json_fields& in) {
  auto text = in.text("reason", text_bounds{1, 32});
  if (text == to_string(reject_reason::insufficient_stock))
    return reject_reason::insufficient_stock;
  if (text == to_string(reject_reason::timeout))
    return reject_reason::timeout;
  in.fail("reason", "must be insufficient_stock or timeout");
  return reject_reason::none;
}

std::optional<order_command> parse_body(const std::string& type,
                                        const json& body, rejection& why) {
  if (type == "create") {
    auto in = json_fields::of_command(
        body, {"user_id", "product_id", "qty", "address"});
    create_order cmd;
    cmd.user_id = in.text("user_id", user_id_bounds);
    cmd.product_id = in.text("product_id", product_id_bounds);
    cmd.qty = in.integer("qty", qty_bounds);
    cmd.address = in.text("address", address_bounds);
    return in.result<order_command>(cmd, why);
  }
  if (type == "confirm_reservation") {
    auto in = json_fields::of_command(body, {"product_name", "unit_price"});
    confirm_reservation cmd;
    cmd.product_name = in.text("product_name", product_name_bounds);
    cmd.unit_price = in.integer("unit_price", unit_price_bounds);
    return in.result<order_command>(cmd, why);
  }
  if (type == "reject") {
    auto in = json_fields::of_command(body, {"reason"});
    reject_order cmd;
    cmd.reason = read_reason(in);
    return in.result<order_command>(cmd, why);
  }
  if (type == "assign_delivery") {
    auto in = json_fields::of_command(body, {"delivery_id"});
    assign_delivery cmd;
    cmd.delivery_id = in.text("delivery_id", delivery_id_bounds);
    return in.result<order_command>(cmd, why);
  }
  if (type == "cancel")
    return json_fields::of_command(body, {}).result<order_command>(
        cancel_order{}, why);
  if (type == "mark_delivered")
    return json_fields::of_command(body, {}).result<order_command>(
        mark_delivered{}, why);
  if (type == "get")
    return json_fields::of_command(body, {}).result<order_command>(get_order{},
                                                                   why);
  why = rejection{"invalid_input", "type: unknown command"};
  return std::nullopt;
}

// -- optional values ----------------------------------------------------------

template<class T> json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

template<class T> std::optional<T> optional_at(const json& j, const char* key) {
  const auto& value = j.at(key);
  if (value.is_null())
    return std::nullopt;
  return value.get<T>();
}

} // namespace

// -- names --------------------------------------------------------------------

const char* to_string(order_status status) {
  switch (status) {
  case order_status::pending:
    return "pending";
  case order_status::placed:
    return "placed";
  case order_status::rejected:
    return "rejected";
  case order_status::cancelled:
    return "cancelled";
  case order_status::delivered:
    return "delivered";
  }
  throw std::invalid_argument("unknown order status");
}

const char* to_string(reject_reason reason) {
  switch (reason) {
  case reject_reason::none:
    return "none";
  case reject_reason::insufficient_stock:
    return "insufficient_stock";
  case reject_reason::timeout:
    return "timeout";
  }
  throw std::invalid_argument("unknown reject reason");
}

order_status order_status_from(const std::string& text) {
  for (auto status :
       {order_status::pending, order_status::placed, order_status::rejected,
        order_status::cancelled, order_status::delivered})
    if (text == to_string(status))
      return status;
  throw std::invalid_argument("unknown order status: " + text);
}

reject_reason reject_reason_from(const std::string& text) {
  for (auto reason : {reject_reason::none, reject_reason::insufficient_stock,
                      reject_reason::timeout})
    if (text == to_string(reason))
      return reason;
  throw std::invalid_argument("unknown reject reason: " + text);
}

// -- commands and replies -----------------------------------------------------

std::optional<order_command> order_codec::parse_command(const json& body,
                                                        rejection& why) {
  auto type = command_type(body, why);
  if (!type)
    return std::nullopt;
  return parse_body(*type, body, why);
}

json order_codec::encode_order(const order& state) {
  auto reason = state.reason == reject_reason::none
                    ? json(nullptr)
                    : json(to_string(state.reason));
  return json_object{}
      .with("id", state.id)
      .with("user_id", state.user_id)
      .with("product_id", state.product_id)
      .with("product_name", or_null(state.product_name))
      .with("qty", state.qty)
      .with("unit_price", or_null(state.unit_price))
      .with("total", or_null(state.total))
      .with("address", state.address)
      .with("status", to_string(state.status))
      .with("reason", std::move(reason))
      .with("delivery_id", or_null(state.delivery_id))
      .with("created_at", rfc3339(state.created_at_ms))
      .with("updated_at", rfc3339(state.updated_at_ms));
}

json order_codec::encode_reply(const order& state, const order_command&) {
  return encode_order(state);
}

// -- events -------------------------------------------------------------------

json order_codec::encode_event(const order_event& event) {
  return std::visit(overloaded{
                        [](const order_created& e) {
                          return json_object{}
                              .with("type", "OrderCreated")
                              .with("id", e.id)
                              .with("user_id", e.user_id)
                              .with("product_id", e.product_id)
                              .with("qty", e.qty)
                              .with("address", e.address)
                              .with("at", e.at);
                        },
                        [](const order_placed& e) {
                          return json_object{}
                              .with("type", "OrderPlaced")
                              .with("product_name", e.product_name)
                              .with("unit_price", e.unit_price)
                              .with("total", e.total)
                              .with("user_id", e.user_id)
                              .with("address", e.address)
                              .with("at", e.at);
                        },
                        [](const order_rejected& e) {
                          return json_object{}
                              .with("type", "OrderRejected")
                              .with("reason", to_string(e.reason))
                              .with("product_id", e.product_id)
                              .with("at", e.at);
                        },
                        [](const order_cancelled& e) {
                          return json_object{}
                              .with("type", "OrderCancelled")
                              .with("product_id", e.product_id)
                              .with("at", e.at);
                        },
                        [](const delivery_assigned& e) {
                          return json_object{}
                              .with("type", "DeliveryAssigned")
                              .with("delivery_id", e.delivery_id)
                              .with("at", e.at);
                        },
                        [](const order_delivered& e) {
                          return json_object{}
                              .with("type", "OrderDelivered")
                              .with("at", e.at);
                        },
                    },
                    event);
}

order_event order_codec::decode_event(const json& j) {
  auto type = j.at("type").get<std::string>();
  auto str = [&](const char* key) { return j.at(key).get<std::string>(); };
  auto num = [&](const char* key) { return j.at(key).get<int64_t>(); };
  if (type == "OrderCreated")
    return order_created{str("id"),  str("user_id"), str("product_id"),
                         num("qty"), str("address"), num("at")};
  if (type == "OrderPlaced")
    return order_placed{str("product_name"), num("unit_price"), num("total"),
                        str("user_id"),      str("address"),    num("at")};
  if (type == "OrderRejected") {
    auto reason = reject_reason_from(str("reason"));
    if (reason == reject_reason::none)
      throw std::invalid_argument("OrderRejected without a reason");
    return order_rejected{reason, str("product_id"), num("at")};
  }
  if (type == "OrderCancelled")
    return order_cancelled{str("product_id"), num("at")};
  if (type == "DeliveryAssigned")
    return delivery_assigned{str("delivery_id"), num("at")};
  if (type == "OrderDelivered")
    return order_delivered{num("at")};
  throw std::invalid_argument("unknown order event: " + type);
}

// -- state --------------------------------------------------------------------

json order_codec::encode_state(const order& state) {
  return json_object{}
      .with("exists", state.exists)
      .with("id", state.id)
      .with("user_id", state.user_id)
      .with("product_id", state.product_id)
      .with("qty", state.qty)
      .with("address", state.address)
      .with("status", to_string(state.status))
      .with("reason", to_string(state.reason))
      .with("delivery_id", or_null(state.delivery_id))
      .with("product_name", or_null(state.product_name))
      .with("unit_price", or_null(state.unit_price))
      .with("total", or_null(state.total))
      .with("created_at_ms", state.created_at_ms)
      .with("updated_at_ms", state.updated_at_ms);
}

order order_codec::decode_state(const json& j) {
  order state;
  state.exists = j.at("exists").get<bool>();
  state.id = j.at("id").get<std::string>();
  state.user_id = j.at("user_id").get<std::string>();
  state.product_id = j.at("product_id").get<std::string>();
  state.qty = j.at("qty").get<int64_t>();
  state.address = j.at("address").get<std::string>();
  state.status = order_status_from(j.at("status").get<std::string>());
  state.reason = reject_reason_from(j.at("reason").get<std::string>());
  state.delivery_id = optional_at<std::string>(j, "delivery_id");
  state.product_name = optional_at<std::string>(j, "product_name");
  state.unit_price = optional_at<int64_t>(j, "unit_price");
  state.total = optional_at<int64_t>(j, "total");
  state.created_at_ms = j.at("created_at_ms").get<int64_t>();
  state.updated_at_ms = j.at("updated_at_ms").get<int64_t>();
  return state;
}

} // namespace mall::domains::orders
