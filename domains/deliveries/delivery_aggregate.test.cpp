#define CAF_SUITE domains.deliveries.delivery_aggregate
#include "tests/support/caf_test.hpp"

#include "domains/deliveries/delivery_aggregate.hpp"

#include <string>
#include <type_traits>
#include <vector>

using namespace mall::domains;
using namespace mall::domains::deliveries;
using nlohmann::json;

namespace {

using agg = delivery_aggregate;

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
    auto d = agg::decide(state, *cmd, command_context{"d_7", now++});
    if (d.rejected())
      return json{{"error", d.error->code}};
    for (const auto& ev : d.events) {
      journal.push_back(json::parse(agg::encode_event(ev).dump()));
      state = agg::apply(std::move(state), agg::decode_event(journal.back()));
    }
    return agg::reply(state, *cmd);
  }

  json start() {
    return send(json{{"type", "start"},
                     {"order_id", "o_7"},
                     {"user_id", "u1"},
                     {"address", "Seoul 1"}});
  }

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

CAF_TEST_FIXTURE_SCOPE(delivery_aggregate_tests, fixture)

CAF_TEST(the aggregate is registered under the type name delivery) {
  CAF_CHECK_EQUAL(std::string{agg::type_name}, "delivery");
}

CAF_TEST(a delivery goes through its life in json alone) {
  CAF_CHECK_EQUAL(send(json{{"type", "get"}}).value("error", ""), "not_found");
  auto started = start();
  CAF_CHECK_EQUAL(started["id"], "d_7");
  CAF_CHECK_EQUAL(started["status"], "started");
  CAF_CHECK_EQUAL(start(), started);
  auto done = send(json{{"type", "complete"}});
  CAF_CHECK_EQUAL(done["status"], "completed");
  CAF_CHECK_EQUAL(send(json{{"type", "complete"}}).value("status", ""),
                  "completed");
  CAF_CHECK_EQUAL(
      send(json{{"type", "cancel"}, {"order_id", "o_7"}}).value("status", ""),
      "completed");
  CAF_REQUIRE_EQUAL(journal.size(), 2u);
  CAF_CHECK_EQUAL(event_type_of(journal[1]), "DeliveryCompleted");
}

CAF_TEST(a cancelled delivery cannot be completed) {
  start();
  auto cancelled = send(json{{"type", "cancel"}, {"order_id", "o_7"}});
  CAF_CHECK_EQUAL(cancelled["status"], "cancelled");
  CAF_CHECK_EQUAL(send(json{{"type", "complete"}}).value("error", ""),
                  "delivery_cancelled");
}

CAF_TEST(a voided delivery stays invisible) {
  auto voided = send(json{{"type", "cancel"}, {"order_id", "o_7"}});
  CAF_CHECK_EQUAL(voided["status"], "voided");
  CAF_CHECK_EQUAL(voided["id"], "d_7");
  CAF_CHECK_EQUAL(start().value("status", ""), "voided");
  CAF_CHECK_EQUAL(send(json{{"type", "get"}}).value("error", ""), "not_found");
  CAF_CHECK_EQUAL(journal.size(), 1u);
}

CAF_TEST(a recovered delivery equals the live one from any snapshot point) {
  start();
  send(json{{"type", "cancel"}, {"order_id", "o_7"}});
  auto live = agg::encode_state(state);
  for (std::size_t at = 0; at <= journal.size(); ++at)
    CAF_CHECK_EQUAL(agg::encode_state(recover(at)), live);
}

CAF_TEST_FIXTURE_SCOPE_END()
