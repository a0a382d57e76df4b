#include "domains/orders/order_view.hpp"

#include "domains/common/json_object.hpp"
#include "domains/common/overloaded.hpp"
#include "domains/orders/order_codec.hpp"

namespace mall::domains::orders {

using nlohmann::json;

namespace {

using row = std::optional<view_row>;

constexpr const char* delivery_status_key = "delivery_status";
constexpr const char* delivery_updated_key = "delivery_updated_at";

// A new row whose doc is exactly what the order aggregate would answer.
view_row created_row(const std::string& order_id, const order_created& e) {
  auto doc = order_codec::encode_order(apply(order{}, e));
  doc[delivery_status_key] = nullptr;
  doc[delivery_updated_key] = nullptr;
  return view_row{order_id, e.user_id, sort_key_of(e.at), std::move(doc)};
}

void set_delivery(json& doc, const char* status, int64_t at) {
  doc[delivery_status_key] = status;
  doc[delivery_updated_key] = rfc3339(at);
}

void update(json& doc, const order_event& event) {
  std::visit(overloaded{
                 [&](const order_created&) {},
                 [&](const order_placed& e) {
                   doc["status"] = to_string(order_status::placed);
                   doc["product_name"] = e.product_name;
                   doc["unit_price"] = e.unit_price;
                   doc["total"] = e.total;
                 },
                 [&](const order_rejected& e) {
                   doc["status"] = to_string(order_status::rejected);
                   doc["reason"] = to_string(e.reason);
                 },
                 [&](const order_cancelled& e) {
                   doc["status"] = to_string(order_status::cancelled);
                   if (!doc["delivery_id"].is_null())
                     set_delivery(doc, "cancelled", e.at);
                 },
                 [&](const delivery_assigned& e) {
                   doc["delivery_id"] = e.delivery_id;
                   set_delivery(doc, "started", e.at);
                 },
                 [&](const order_delivered& e) {
                   doc["status"] = to_string(order_status::delivered);
                   set_delivery(doc, "completed", e.at);
                 },
             },
             event);
  doc["updated_at"] =
      rfc3339(std::visit([](const auto& e) { return e.at; }, event));
}

json mypage_entry(const json& doc) {
  return json_object{}
      .with("order_id", doc.at("id"))
      .with("product_id", doc.at("product_id"))
      .with("product_name", doc.at("product_name"))
      .with("qty", doc.at("qty"))
      .with("total", doc.at("total"))
      .with("order_status", doc.at("status"))
      .with("delivery_status", doc.at(delivery_status_key))
      .with("ordered_at", doc.at("created_at"))
      .with("updated_at", doc.at("updated_at"));
}

bool counts_as_spent(const json& doc) {
  const auto& status = doc.at("status");
  return status == to_string(order_status::placed) ||
         status == to_string(order_status::delivered);
}

} // namespace

row order_view::fold(const row& current, const std::string& order_id,
                     const order_event& event, int64_t) {
  if (auto* e = std::get_if<order_created>(&event))
    return created_row(order_id, *e);
  if (!current)
    return std::nullopt;
  auto next = *current;
  update(next.doc, event);
  return next;
}

json mypage_of(const std::string& user_id, const std::vector<json>& docs) {
  auto orders = json::array();
  int64_t total_spent = 0;
  for (const auto& doc : docs) {
    orders.push_back(mypage_entry(doc));
    if (counts_as_spent(doc))
      total_spent += doc.at("total").get<int64_t>();
  }
  return json_object{}
      .with("user_id", user_id)
      .with("orders", std::move(orders))
      .with("order_count", docs.size())
      .with("total_spent", total_spent);
}

} // namespace mall::domains::orders
