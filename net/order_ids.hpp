// Ids of orders and deliveries: random, or derived from an Idempotency-Key so
// that a repeated request lands on the same order entity.
#pragma once

#include <string>
#include <string_view>

namespace mall::net {

/// Whether `key` is a valid `Idempotency-Key`: 1–64 of `[A-Za-z0-9_-]`.
bool is_idempotency_key(std::string_view key);

/// "o_" + 16 random hex digits.
std::string new_order_id();

/// "o_" + the first 32 hex digits of SHA-256(user_id + "\n" + key): the same
/// user and key always name the same order, another user another one.
std::string order_id_for_key(std::string_view user_id, std::string_view key);

/// Whether `id` has the shape of either kind of order id.
bool is_order_id(std::string_view id);

/// Whether `id` has the shape of a delivery id ("d_" + an order id's hex).
bool is_delivery_id(std::string_view id);

} // namespace mall::net
