#include "net/random_id.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace mall::net {

namespace {

constexpr std::size_t id_bytes = 8;

} // namespace

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  // Without randomness every id and salt would be predictable: crash.
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (auto b : raw) {
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  }
  return out;
}

std::string random_id(std::string_view prefix) {
  return std::string{prefix} + random_hex(id_bytes);
}

bool is_random_id(std::string_view id, std::string_view prefix) {
  if (id.size() != prefix.size() + id_bytes * 2 ||
      id.substr(0, prefix.size()) != prefix)
    return false;
  for (auto c : id.substr(prefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

} // namespace mall::net
