#define CAF_SUITE domains.deliveries.delivery_codec
#include "tests/support/caf_test.hpp"

#include "domains/common/aggregate.hpp"
#include "domains/deliveries/delivery_codec.hpp"

#include <string>
#include <vector>

using namespace mall::domains;
using namespace mall::domains::deliveries;
using nlohmann::json;

namespace {

std::string outcome(const json& body) {
  rejection why;
  auto cmd = delivery_codec::parse_command(body, why);
  return cmd ? "ok" : why.code + " " + why.message;
}

delivery_command parse(const std::string& text) {
  rejection why;
  auto cmd = delivery_codec::parse_command(json::parse(text), why);
  CAF_REQUIRE(cmd.has_value());
  return *cmd;
}

// 2026-11-21T23:55:44.123Z
constexpr int64_t t0 = 1'795'305'344'123;

delivery started() {
  delivery d;
  d.id = "d_1";
  d.order_id = "o_1";
  d.user_id = "u1";
  d.address = "Seoul 1";
  d.status = delivery_status::started;
  d.created_at_ms = t0;
  d.updated_at_ms = t0 + 1'000;
  return d;
}

} // namespace

CAF_TEST(start reads order user and address) {
  auto cmd = std::get<start_delivery>(parse(
      R"({"type": "start", "order_id": "o_1", "user_id": "u1",
          "address": " Seoul 1 "})"));
  CAF_CHECK_EQUAL(cmd.order_id, "o_1");
  CAF_CHECK_EQUAL(cmd.user_id, "u1");
  CAF_CHECK_EQUAL(cmd.address, "Seoul 1");
  CAF_CHECK_EQUAL(
      outcome(json{{"type", "start"}, {"order_id", "o_1"}, {"user_id", "u1"}}),
      "invalid_input address: is required");
  CAF_CHECK_EQUAL(outcome(json{{"type", "start"},
                               {"order_id", "o_1"},
                               {"user_id", "u1"},
                               {"address", std::string(301, 'a')}}),
                  "invalid_input address: must be at most 300 characters");
}

CAF_TEST(cancel complete and get take what they need only) {
  auto cancel = std::get<cancel_delivery>(
      parse(R"({"type": "cancel", "order_id": "o_1"})"));
  CAF_CHECK_EQUAL(cancel.order_id, "o_1");
  CAF_CHECK_EQUAL(outcome(json{{"type", "cancel"}}),
                  "invalid_input order_id: is required");
  CAF_CHECK(std::holds_alternative<complete_delivery>(
      parse(R"({"type": "complete"})")));
  CAF_CHECK(std::holds_alternative<get_delivery>(parse(R"({"type": "get"})")));
  CAF_CHECK_EQUAL(outcome(json{{"type", "complete"}, {"status", "x"}}),
                  "invalid_input status: unknown field");
  CAF_CHECK_EQUAL(outcome(json{{"type", "ship"}}),
                  "invalid_input type: unknown command");
  CAF_CHECK_EQUAL(outcome(json("start")),
                  "invalid_json body: must be a JSON object");
}

CAF_TEST(the reply is the api delivery) {
  auto reply = delivery_codec::encode_reply(started(), get_delivery{});
  CAF_CHECK_EQUAL(reply, json::parse(R"({"id": "d_1", "order_id": "o_1",
    "user_id": "u1", "address": "Seoul 1", "status": "started",
    "created_at": "2026-11-21T23:55:44.123Z",
    "updated_at": "2026-11-21T23:55:45.123Z"})"));
  auto done = started();
  done.status = delivery_status::completed;
  CAF_CHECK_EQUAL(delivery_codec::encode_delivery(done).value("status", ""),
                  "completed");
}

CAF_TEST(a voided delivery answers the saga without unknown values) {
  delivery voided;
  voided.id = "d_1";
  voided.order_id = "o_1";
  voided.status = delivery_status::voided;
  voided.updated_at_ms = t0;
  auto reply = delivery_codec::encode_reply(voided, cancel_delivery{"o_1"});
  CAF_CHECK_EQUAL(reply["status"], "voided");
  CAF_CHECK_EQUAL(reply["order_id"], "o_1");
  CAF_CHECK(reply["user_id"].is_null());
  CAF_CHECK(reply["created_at"].is_null());
}

CAF_TEST(every event survives a round trip through json) {
  std::vector<delivery_event> events{
      delivery_started{"o_1", "u1", "Seoul 1", t0},
      delivery_cancelled{t0 + 1},
      delivery_voided{"o_1", t0 + 2},
      delivery_completed{"o_1", t0 + 3},
  };
  for (const auto& ev : events) {
    auto encoded = delivery_codec::encode_event(ev);
    auto decoded = delivery_codec::decode_event(json::parse(encoded.dump()));
    CAF_CHECK_EQUAL(decoded.index(), ev.index());
    CAF_CHECK_EQUAL(delivery_codec::encode_event(decoded), encoded);
  }
}

CAF_TEST(events are encoded with the names the saga reads) {
  CAF_CHECK_EQUAL(
      delivery_codec::encode_event(delivery_started{"o_1", "u1", "Seoul 1", 5}),
      json::parse(R"({"type": "DeliveryStarted",
                    "order_id": "o_1", "user_id": "u1",
                    "address": "Seoul 1", "at": 5})"));
  CAF_CHECK_EQUAL(
      delivery_codec::encode_event(delivery_completed{"o_1", 6}),
      json::parse(R"({"type": "DeliveryCompleted", "order_id": "o_1",
                      "at": 6})"));
  CAF_CHECK_EQUAL(
      event_type_of(delivery_codec::encode_event(delivery_cancelled{1})),
      "DeliveryCancelled");
  CAF_CHECK_EQUAL(
      event_type_of(delivery_codec::encode_event(delivery_voided{"o_1", 1})),
      "DeliveryVoided");
}

CAF_TEST(corrupt events throw when decoded) {
  auto throws = [](const json& j) {
    try {
      delivery_codec::decode_event(j);
      return false;
    } catch (const std::exception&) {
      return true;
    }
  };
  CAF_CHECK(throws(json{{"type", "DeliveryLost"}, {"at", 1}}));
  CAF_CHECK(throws(json{{"type", "DeliveryStarted"}, {"at", 1}}));
  CAF_CHECK(throws(json{{"type", "DeliveryCancelled"}}));
  CAF_CHECK(throws(json::object()));
}

CAF_TEST(state survives a snapshot round trip) {
  for (auto d : {started(), delivery{}}) {
    auto encoded = delivery_codec::encode_state(d);
    auto decoded = delivery_codec::decode_state(json::parse(encoded.dump()));
    CAF_CHECK_EQUAL(delivery_codec::encode_state(decoded), encoded);
    CAF_CHECK(decoded.status == d.status);
    CAF_CHECK_EQUAL(decoded.created_at_ms, d.created_at_ms);
  }
  for (auto status : {delivery_status::none, delivery_status::started,
                      delivery_status::completed, delivery_status::cancelled,
                      delivery_status::voided})
    CAF_CHECK(delivery_status_from(to_string(status)) == status);
}
