#define CAF_SUITE domains.orders.order_aggregate
#include "tests/support/caf_test.hpp"

#include "domains/orders/order_aggregate.hpp"

#include <string>
#include <type_traits>
#include <vector>

using namespace mall::domains;
using namespace mall::domains::orders;
using nlohmann::json;

namespace {

using agg = order_aggregate;

// The signatures the runtime's entity actor template calls.
static_assert(
    std::is_same_v<decltype(&agg::parse_command),
                   std::optional<agg::command> (*)(const json&, rejection&)>);
static_assert(std::is_same_v<decltype(&agg::decide),
                             decision<agg::event> (*)(const agg::state&,
                                                      const agg::command&,
                                                      const command_context&)>);
static_assert(std::is_same_v<decltype(&agg::apply),
                             agg::state (*)(agg::state, const agg::event&)>);
static_assert(std::is_same_v<decltype(&agg::reply),
                             json (*)(const agg::state&, const agg::command&)>);
static_assert(
    std::is_same_v<decltype(&agg::settled), bool (*)(const agg::state&)>);
static_assert(
    std::is_same_v<decltype(&agg::decode_event), agg::event (*)(const json&)>);
static_assert(
    std::is_same_v<decltype(&agg::decode_state), agg::state (*)(const json&)>);

// Plays the entity actor: commands in as JSON, events through the journal
// encoding, replies out as JSON.
struct fixture {
  agg::state state;
  std::vector<json> journal;
  int64_t now = 1'000;

  json send(const json& body) {
    rejection why;
    auto cmd = agg::parse_command(body, why);
    if (!cmd)
      return json{{"error", why.code}};
    auto d = agg::decide(state, *cmd, command_context{"o_7", now++});
    if (d.rejected())
      return json{{"error", d.error->code}};
    for (const auto& ev : d.events) {
      journal.push_back(json::parse(agg::encode_event(ev).dump()));
      state = agg::apply(std::move(state), agg::decode_event(journal.back()));
    }
    return agg::reply(state, *cmd);
  }

  json create() {
    return send(json{{"type", "create"},
                     {"user_id", "u1"},
                     {"product_id", "p1"},
                     {"qty", 2},
                     {"address", "Seoul 1"}});
  }

  // Rebuilds the state from a snapshot taken after `snapshot_at` events plus
  // the rest of the journal, as a restarted entity does.
  agg::state recover(std::size_t snapshot_at) {
    agg::state s;
    for (std::size_t i = 0; i < snapshot_at; ++i)
      s = agg::apply(std::move(s), agg::decode_event(journal[i]));
    s = agg::decode_state(json::parse(agg::encode_state(s).dump()));
    for (std::size_t i = snapshot_at; i < journal.size(); ++i)
      s = agg::apply(std::move(s), agg::decode_event(journal[i]));
    return s;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(order_aggregate_tests, fixture)

CAF_TEST(the aggregate is registered under the type name order) {
  CAF_CHECK_EQUAL(std::string{agg::type_name}, "order");
}

CAF_TEST(an order goes through its life in json alone) {
  CAF_CHECK_EQUAL(send(json{{"type", "get"}}).value("error", ""), "not_found");
  auto created = create();
  CAF_CHECK_EQUAL(created["id"], "o_7");
  CAF_CHECK_EQUAL(created["status"], "pending");
  CAF_CHECK(created["total"].is_null());
  CAF_CHECK(!agg::settled(state));
  CAF_CHECK_EQUAL(create(), created);
  auto placed = send(json{{"type", "confirm_reservation"},
                          {"product_name", "Lamp"},
                          {"unit_price", 900}});
  CAF_CHECK_EQUAL(placed["status"], "placed");
  CAF_CHECK_EQUAL(placed["total"], 1'800);
  CAF_CHECK(agg::settled(state));
  auto assigned =
      send(json{{"type", "assign_delivery"}, {"delivery_id", "d_7"}});
  CAF_CHECK_EQUAL(assigned["delivery_id"], "d_7");
  auto delivered = send(json{{"type", "mark_delivered"}});
  CAF_CHECK_EQUAL(delivered["status"], "delivered");
  CAF_CHECK_EQUAL(send(json{{"type", "cancel"}}).value("error", ""),
                  "not_cancellable");
  CAF_CHECK_EQUAL(
      send(json{{"type", "reject"}, {"reason", "later"}}).value("error", ""),
      "invalid_input");
  CAF_REQUIRE_EQUAL(journal.size(), 4u);
  CAF_CHECK_EQUAL(event_type_of(journal[0]), "OrderCreated");
  CAF_CHECK_EQUAL(event_type_of(journal[3]), "OrderDelivered");
}

CAF_TEST(a repeat with another body is refused as a reused key) {
  create();
  auto other = send(json{{"type", "create"},
                         {"user_id", "u1"},
                         {"product_id", "p1"},
                         {"qty", 3},
                         {"address", "Seoul 1"}});
  CAF_CHECK_EQUAL(other["error"], "idempotency_key_reused");
  CAF_CHECK_EQUAL(journal.size(), 1u);
}

CAF_TEST(a rejected order answers with its reason and stays rejected) {
  create();
  auto rejected = send(json{{"type", "reject"}, {"reason", "timeout"}});
  CAF_CHECK_EQUAL(rejected["status"], "rejected");
  CAF_CHECK_EQUAL(rejected["reason"], "timeout");
  auto late = send(json{{"type", "confirm_reservation"},
                        {"product_name", "Lamp"},
                        {"unit_price", 900}});
  CAF_CHECK_EQUAL(late["status"], "rejected");
  CAF_CHECK(late["total"].is_null());
  CAF_CHECK_EQUAL(journal.size(), 2u);
}

CAF_TEST(a recovered order equals the live one from any snapshot point) {
  create();
  send(json{{"type", "confirm_reservation"},
            {"product_name", "Lamp"},
            {"unit_price", 900}});
  send(json{{"type", "assign_delivery"}, {"delivery_id", "d_7"}});
  send(json{{"type", "cancel"}});
  auto live = agg::encode_state(state);
  for (std::size_t at = 0; at <= journal.size(); ++at)
    CAF_CHECK_EQUAL(agg::encode_state(recover(at)), live);
}

CAF_TEST_FIXTURE_SCOPE_END()
