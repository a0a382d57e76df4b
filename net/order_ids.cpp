#include "net/order_ids.hpp"

#include "net/random_id.hpp"

#include <openssl/sha.h>

namespace mall::net {

namespace {

constexpr size_t max_key = 64;
/// Hex digits of a random id and of a key-derived id.
constexpr size_t random_hex_digits = 16;
constexpr size_t derived_hex_digits = 32;

bool is_lower_hex(std::string_view s) {
  for (auto c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

bool is_hex_id(std::string_view id, std::string_view prefix) {
  if (id.substr(0, prefix.size()) != prefix)
    return false;
  auto hex = id.substr(prefix.size());
  return (hex.size() == random_hex_digits ||
          hex.size() == derived_hex_digits) &&
         is_lower_hex(hex);
}

} // namespace

bool is_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > max_key)
    return false;
  for (auto c : key)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

std::string new_order_id() {
  return random_id("o_");
}

std::string order_id_for_key(std::string_view user_id, std::string_view key) {
  std::string input;
  input.reserve(user_id.size() + 1 + key.size());
  input.append(user_id).append("\n").append(key);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         digest);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "o_";
  for (size_t i = 0; i < derived_hex_digits / 2; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 0x0f];
  }
  return out;
}

bool is_order_id(std::string_view id) {
  return is_hex_id(id, "o_");
}

bool is_delivery_id(std::string_view id) {
  return is_hex_id(id, "d_");
}

} // namespace mall::net
