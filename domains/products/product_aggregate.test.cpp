#define CAF_SUITE domains.products.product_aggregate
#include "tests/support/caf_test.hpp"

#include "domains/products/product_aggregate.hpp"

#include <string>
#include <type_traits>
#include <vector>

using namespace mall::domains;
using namespace mall::domains::products;
using nlohmann::json;

namespace {

using agg = product_aggregate;

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

  json send(const json& body) {
    rejection why;
    auto cmd = agg::parse_command(body, why);
    if (!cmd)
      return json{{"error", why.code}};
    auto d = agg::decide(state, *cmd, command_context{"p7", 0});
    if (d.rejected())
      return json{{"error", d.error->code}};
    for (const auto& ev : d.events) {
      journal.push_back(json::parse(agg::encode_event(ev).dump()));
      state = agg::apply(std::move(state), agg::decode_event(journal.back()));
    }
    return agg::reply(state, *cmd);
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

CAF_TEST_FIXTURE_SCOPE(product_aggregate_tests, fixture)

CAF_TEST(the aggregate is registered under the type name product) {
  CAF_CHECK_EQUAL(std::string{agg::type_name}, "product");
}

CAF_TEST(a product goes through its life in json alone) {
  auto missing = send(json{{"type", "get"}});
  CAF_CHECK_EQUAL(missing["error"], "not_found");
  auto created = send(
      json{{"type", "create"}, {"name", "Lamp"}, {"price", 900}, {"stock", 2}});
  CAF_CHECK_EQUAL(created, json::parse(R"({"id": "p7", "name": "Lamp",
                                           "price": 900, "stock": 2})"));
  auto reserved =
      send(json{{"type", "reserve"}, {"order_id", "o1"}, {"qty", 2}});
  CAF_CHECK_EQUAL(reserved["reservation"], "reserved");
  CAF_CHECK_EQUAL(reserved["stock"], 0);
  auto failed = send(json{{"type", "reserve"}, {"order_id", "o2"}, {"qty", 1}});
  CAF_CHECK_EQUAL(failed["reservation"], "failed");
  auto updated = send(json{{"type", "update"}, {"price", 1000}});
  CAF_CHECK_EQUAL(updated["price"], 1000);
  auto released = send(json{{"type", "release"}, {"order_id", "o1"}});
  CAF_CHECK_EQUAL(released["stock"], 2);
  auto restocked = send(json{{"type", "restock"}, {"qty", 3}});
  CAF_CHECK_EQUAL(restocked["stock"], 5);
  auto invalid = send(json{{"type", "restock"}, {"qty", 0}});
  CAF_CHECK_EQUAL(invalid["error"], "invalid_input");
  CAF_CHECK_EQUAL(journal.size(), 6u);
  CAF_CHECK_EQUAL(event_type_of(journal[1]), "StockDecreased");
}

CAF_TEST(a recovered product equals the live one from any snapshot point) {
  send(
      json{{"type", "create"}, {"name", "Lamp"}, {"price", 900}, {"stock", 5}});
  send(json{{"type", "reserve"}, {"order_id", "o1"}, {"qty", 2}});
  send(json{{"type", "release"}, {"order_id", "o9"}});
  send(json{{"type", "reserve"}, {"order_id", "o2"}, {"qty", 9}});
  send(json{{"type", "release"}, {"order_id", "o1"}});
  auto live = agg::encode_state(state);
  for (std::size_t at = 0; at <= journal.size(); ++at)
    CAF_CHECK_EQUAL(agg::encode_state(recover(at)), live);
}

CAF_TEST_FIXTURE_SCOPE_END()
