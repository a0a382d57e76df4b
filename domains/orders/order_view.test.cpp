#define CAF_SUITE domains.orders.order_view
#include "tests/support/caf_test.hpp"

#include "domains/orders/order_codec.hpp"
#include "domains/orders/order_view.hpp"

#include <string>
#include <vector>

using namespace mall::domains;
using namespace mall::domains::orders;
using nlohmann::json;

namespace {

// 2026-11-21T23:55:44.123Z
constexpr int64_t t0 = 1'795'305'344'123;

std::string at(int64_t seconds_after) {
  return rfc3339(t0 + seconds_after * 1'000);
}

/// Folds events of order "o_1" one after another, as the projection does,
/// and keeps the order aggregate alongside to compare docs with replies.
struct fixture {
  std::optional<view_row> row;
  order aggregate;
  int64_t offset = 0;

  void fold(const order_event& e) {
    if (auto next = order_view::fold(row, "o_1", e, ++offset))
      row = next;
    aggregate = apply(aggregate, e);
  }

  void create() { fold(order_created{"o_1", "u1", "p1", 3, "Seoul 1", t0}); }

  void place() {
    create();
    fold(order_placed{"Desk", 700, 2'100, "u1", "Seoul 1", t0 + 1'000});
  }

  void assign() {
    place();
    fold(delivery_assigned{"d_1", t0 + 2'000});
  }

  // The doc without the view's own fields is the aggregate's reply.
  void check_doc_matches_aggregate() {
    CAF_REQUIRE(row);
    auto doc = row->doc;
    doc.erase("delivery_status");
    doc.erase("delivery_updated_at");
    CAF_CHECK_EQUAL(doc, order_codec::encode_order(aggregate));
  }
};

json doc(const std::string& id, const std::string& status, json total,
         json delivery_status = nullptr) {
  return json{{"id", id},
              {"user_id", "u1"},
              {"product_id", "p1"},
              {"product_name", total.is_null() ? json(nullptr) : json("Desk")},
              {"qty", 1},
              {"unit_price", total},
              {"total", total},
              {"address", "Seoul 1"},
              {"status", status},
              {"reason", nullptr},
              {"delivery_id", nullptr},
              {"created_at", at(0)},
              {"updated_at", at(1)},
              {"delivery_status", std::move(delivery_status)},
              {"delivery_updated_at", nullptr}};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(order_view_tests, fixture)

CAF_TEST(a created order appears pending under its owner) {
  create();
  CAF_REQUIRE(row);
  CAF_CHECK_EQUAL(row->key, "o_1");
  CAF_CHECK_EQUAL(row->owner, "u1");
  CAF_CHECK_EQUAL(row->sort_key, sort_key_of(t0));
  CAF_CHECK_EQUAL(row->doc, json::parse(R"({
    "id": "o_1", "user_id": "u1", "product_id": "p1", "product_name": null,
    "qty": 3, "unit_price": null, "total": null, "address": "Seoul 1",
    "status": "pending", "reason": null, "delivery_id": null,
    "created_at": "2026-11-21T23:55:44.123Z",
    "updated_at": "2026-11-21T23:55:44.123Z",
    "delivery_status": null, "delivery_updated_at": null})"));
  check_doc_matches_aggregate();
}

CAF_TEST(an order is followed from placed to delivered) {
  place();
  CAF_CHECK_EQUAL(row->doc["status"], "placed");
  CAF_CHECK_EQUAL(row->doc["product_name"], "Desk");
  CAF_CHECK_EQUAL(row->doc["unit_price"], 700);
  CAF_CHECK_EQUAL(row->doc["total"], 2'100);
  CAF_CHECK_EQUAL(row->doc["updated_at"], at(1));
  CAF_CHECK(row->doc["delivery_status"].is_null());
  check_doc_matches_aggregate();
  fold(delivery_assigned{"d_1", t0 + 2'000});
  CAF_CHECK_EQUAL(row->doc["delivery_id"], "d_1");
  CAF_CHECK_EQUAL(row->doc["delivery_status"], "started");
  CAF_CHECK_EQUAL(row->doc["delivery_updated_at"], at(2));
  check_doc_matches_aggregate();
  fold(order_delivered{t0 + 3'000});
  CAF_CHECK_EQUAL(row->doc["status"], "delivered");
  CAF_CHECK_EQUAL(row->doc["delivery_status"], "completed");
  CAF_CHECK_EQUAL(row->doc["delivery_updated_at"], at(3));
  CAF_CHECK_EQUAL(row->doc["updated_at"], at(3));
  CAF_CHECK_EQUAL(row->doc["created_at"], at(0));
  CAF_CHECK_EQUAL(row->sort_key, sort_key_of(t0));
  CAF_CHECK_EQUAL(row->owner, "u1");
  check_doc_matches_aggregate();
}

CAF_TEST(a cancel after the delivery started keeps the delivery fields) {
  assign();
  fold(order_cancelled{"p1", t0 + 5'000});
  CAF_CHECK_EQUAL(row->doc["status"], "cancelled");
  CAF_CHECK_EQUAL(row->doc["delivery_id"], "d_1");
  CAF_CHECK_EQUAL(row->doc["delivery_status"], "cancelled");
  CAF_CHECK_EQUAL(row->doc["delivery_updated_at"], at(5));
  CAF_CHECK_EQUAL(row->doc["total"], 2'100);
  check_doc_matches_aggregate();
}

CAF_TEST(a cancel before any delivery leaves the delivery fields null) {
  place();
  fold(order_cancelled{"p1", t0 + 5'000});
  CAF_CHECK_EQUAL(row->doc["status"], "cancelled");
  CAF_CHECK(row->doc["delivery_id"].is_null());
  CAF_CHECK(row->doc["delivery_status"].is_null());
  CAF_CHECK(row->doc["delivery_updated_at"].is_null());
  check_doc_matches_aggregate();
}

CAF_TEST(a rejected order shows its reason and no price) {
  create();
  fold(order_rejected{reject_reason::insufficient_stock, "p1", t0 + 1'000});
  CAF_CHECK_EQUAL(row->doc["status"], "rejected");
  CAF_CHECK_EQUAL(row->doc["reason"], "insufficient_stock");
  CAF_CHECK(row->doc["total"].is_null());
  CAF_CHECK(row->doc["delivery_status"].is_null());
  check_doc_matches_aggregate();
}

CAF_TEST(a timed out order shows the timeout) {
  create();
  fold(order_rejected{reject_reason::timeout, "p1", t0 + 10'000});
  CAF_CHECK_EQUAL(row->doc["reason"], "timeout");
  CAF_CHECK_EQUAL(row->doc["updated_at"], at(10));
  check_doc_matches_aggregate();
}

CAF_TEST(events of an order the view has not seen change nothing) {
  CAF_CHECK(!order_view::fold(std::nullopt, "o_1", order_delivered{t0}, 7));
  CAF_CHECK(
      !order_view::fold(std::nullopt, "o_1", order_cancelled{"p1", t0}, 7));
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(orders sort by creation time whatever their journal offset) {
  auto older = order_view::fold(
      std::nullopt, "o_b", order_created{"o_b", "u1", "p1", 1, "a", 9'000}, 1);
  auto newer = order_view::fold(
      std::nullopt, "o_a", order_created{"o_a", "u1", "p1", 1, "a", 10'000}, 0);
  CAF_REQUIRE(older && newer);
  CAF_CHECK_LESS(older->sort_key, newer->sort_key);
  CAF_CHECK_EQUAL(older->sort_key.size(), newer->sort_key.size());
}

CAF_TEST(my page lists every order and counts what was spent) {
  std::vector<json> docs{
      doc("o_5", "pending", nullptr),
      doc("o_4", "placed", 1'000, "started"),
      doc("o_3", "delivered", 200, "completed"),
      doc("o_2", "cancelled", 50'000, "cancelled"),
      doc("o_1", "rejected", nullptr),
  };
  auto page = mypage_of("u1", docs);
  CAF_CHECK_EQUAL(page["user_id"], "u1");
  CAF_CHECK_EQUAL(page["order_count"], 5);
  CAF_CHECK_EQUAL(page["total_spent"], 1'200);
  CAF_REQUIRE_EQUAL(page["orders"].size(), 5u);
  CAF_CHECK_EQUAL(page["orders"][0]["order_id"], "o_5");
  CAF_CHECK_EQUAL(page["orders"][4]["order_id"], "o_1");
  CAF_CHECK_EQUAL(page["orders"][1], json::parse(R"({
    "order_id": "o_4", "product_id": "p1", "product_name": "Desk", "qty": 1,
    "total": 1000, "order_status": "placed", "delivery_status": "started",
    "ordered_at": "2026-11-21T23:55:44.123Z",
    "updated_at": "2026-11-21T23:55:45.123Z"})"));
  CAF_CHECK(page["orders"][0]["total"].is_null());
  CAF_CHECK(page["orders"][0]["delivery_status"].is_null());
}

CAF_TEST(my page of a customer without orders is empty) {
  auto page = mypage_of("u9", {});
  CAF_CHECK_EQUAL(page, json::parse(R"({"user_id": "u9", "orders": [],
                                        "order_count": 0, "total_spent": 0})"));
}

CAF_TEST(my page reads the docs the view folds) {
  std::optional<view_row> row;
  for (order_event e :
       {order_event{order_created{"o_1", "u1", "p1", 2, "Seoul 1", t0}},
        order_event{order_placed{"Desk", 700, 1'400, "u1", "Seoul 1", t0 + 1}},
        order_event{delivery_assigned{"d_1", t0 + 2}}})
    row = order_view::fold(row, "o_1", e, 0);
  auto page = mypage_of("u1", {row->doc});
  CAF_CHECK_EQUAL(page["total_spent"], 1'400);
  CAF_CHECK_EQUAL(page["orders"][0]["delivery_status"], "started");
  CAF_CHECK_EQUAL(page["orders"][0]["order_status"], "placed");
}
