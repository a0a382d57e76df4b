#include "domains/deliveries/delivery_codec.hpp"

#include "domains/common/json_object.hpp"
#include "domains/common/overloaded.hpp"

#include <stdexcept>

namespace mall::domains::deliveries {

using nlohmann::json;

namespace {

std::optional<delivery_command> parse_body(const std::string& type,
                                           const json& body, rejection& why) {
  if (type == "start") {
    auto in = json_fields::of_command(body, {"order_id", "user_id", "address"});
    start_delivery cmd;
    cmd.order_id = in.text("order_id", order_id_bounds);
    cmd.user_id = in.text("user_id", user_id_bounds);
    cmd.address = in.text("address", address_bounds);
    return in.result<delivery_command>(cmd, why);
  }
  if (type == "cancel") {
    auto in = json_fields::of_command(body, {"order_id"});
    cancel_delivery cmd;
    cmd.order_id = in.text("order_id", order_id_bounds);
    return in.result<delivery_command>(cmd, why);
  }
  if (type == "complete")
    return json_fields::of_command(body, {}).result<delivery_command>(
        complete_delivery{}, why);
  if (type == "get")
    return json_fields::of_command(body, {}).result<delivery_command>(
        get_delivery{}, why);
  why = rejection{"invalid_input", "type: unknown command"};
  return std::nullopt;
}

} // namespace

const char* to_string(delivery_status status) {
  switch (status) {
  case delivery_status::none:
    return "none";
  case delivery_status::started:
    return "started";
  case delivery_status::completed:
    return "completed";
  case delivery_status::cancelled:
    return "cancelled";
  case delivery_status::voided:
    return "voided";
  }
  throw std::invalid_argument("unknown delivery status");
}

delivery_status delivery_status_from(const std::string& text) {
  for (auto status : {delivery_status::none, delivery_status::started,
                      delivery_status::completed, delivery_status::cancelled,
                      delivery_status::voided})
    if (text == to_string(status))
      return status;
  throw std::invalid_argument("unknown delivery status: " + text);
}

// -- commands and replies -----------------------------------------------------

std::optional<delivery_command> delivery_codec::parse_command(const json& body,
                                                              rejection& why) {
  auto type = command_type(body, why);
  if (!type)
    return std::nullopt;
  return parse_body(*type, body, why);
}

json delivery_codec::encode_delivery(const delivery& state) {
  // A delivery that never became visible shows no customer fields.
  auto shown = visible(state);
  auto only_shown = [shown](json value) {
    return shown ? std::move(value) : json(nullptr);
  };
  return json_object{}
      .with("id", state.id)
      .with("order_id", state.order_id)
      .with("user_id", only_shown(state.user_id))
      .with("address", only_shown(state.address))
      .with("status", to_string(state.status))
      .with("created_at", only_shown(rfc3339(state.created_at_ms)))
      .with("updated_at", rfc3339(state.updated_at_ms));
}

json delivery_codec::encode_reply(const delivery& state,
                                  const delivery_command&) {
  return encode_delivery(state);
}

// -- events -------------------------------------------------------------------

json delivery_codec::encode_event(const delivery_event& event) {
  return std::visit(overloaded{
                        [](const delivery_started& e) {
                          return json_object{}
                              .with("type", "DeliveryStarted")
                              .with("order_id", e.order_id)
                              .with("user_id", e.user_id)
                              .with("address", e.address)
                              .with("at", e.at);
                        },
                        [](const delivery_cancelled& e) {
                          return json_object{}
                              .with("type", "DeliveryCancelled")
                              .with("at", e.at);
                        },
                        [](const delivery_voided& e) {
                          return json_object{}
                              .with("type", "DeliveryVoided")
                              .with("order_id", e.order_id)
                              .with("at", e.at);
                        },
                        [](const delivery_completed& e) {
                          return json_object{}
                              .with("type", "DeliveryCompleted")
                              .with("order_id", e.order_id)
                              .with("at", e.at);
                        },
                    },
                    event);
}

delivery_event delivery_codec::decode_event(const json& j) {
  auto type = j.at("type").get<std::string>();
  auto str = [&](const char* key) { return j.at(key).get<std::string>(); };
  auto at = j.at("at").get<int64_t>();
  if (type == "DeliveryStarted")
    return delivery_started{str("order_id"), str("user_id"), str("address"),
                            at};
  if (type == "DeliveryCancelled")
    return delivery_cancelled{at};
  if (type == "DeliveryVoided")
    return delivery_voided{str("order_id"), at};
  if (type == "DeliveryCompleted")
    return delivery_completed{str("order_id"), at};
  throw std::invalid_argument("unknown delivery event: " + type);
}

// -- state --------------------------------------------------------------------

json delivery_codec::encode_state(const delivery& state) {
  return json_object{}
      .with("id", state.id)
      .with("order_id", state.order_id)
      .with("user_id", state.user_id)
      .with("address", state.address)
      .with("status", to_string(state.status))
      .with("created_at_ms", state.created_at_ms)
      .with("updated_at_ms", state.updated_at_ms);
}

delivery delivery_codec::decode_state(const json& j) {
  delivery state;
  state.id = j.at("id").get<std::string>();
  state.order_id = j.at("order_id").get<std::string>();
  state.user_id = j.at("user_id").get<std::string>();
  state.address = j.at("address").get<std::string>();
  state.status = delivery_status_from(j.at("status").get<std::string>());
  state.created_at_ms = j.at("created_at_ms").get<int64_t>();
  state.updated_at_ms = j.at("updated_at_ms").get<int64_t>();
  return state;
}

} // namespace mall::domains::deliveries
