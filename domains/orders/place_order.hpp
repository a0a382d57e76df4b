// The body of `POST /orders`, validated before the gateway resolves the
// address and creates the order.
#pragma once

#include "domains/common/decision.hpp"

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mall::domains::orders {

/// A valid order request. The user comes from the token, never the body;
/// without an address the gateway uses the account's.
struct place_order {
  std::string product_id;
  int64_t qty = 0;
  std::optional<std::string> address;
};

/// Applies API.md's rules (product_id a non-blank string of at most 64
/// characters, qty an integer 1–1000, address 1–300 characters trimmed, no
/// unknown fields). Fills `why` (`invalid_json` for a non-object, else
/// `invalid_input` naming the field).
std::optional<place_order> parse_place_order(const nlohmann::json& body,
                                             rejection& why);

} // namespace mall::domains::orders
