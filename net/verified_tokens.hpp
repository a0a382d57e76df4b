// The claims of tokens whose signature was already checked.
#pragma once

#include "net/token_service.hpp"

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mall::net {

/// Claims by token text. A client sends the same token with every request,
/// and checking it again (base64, JSON, HMAC) cost 4 % of the node's CPU
/// per order. Holds only tokens whose signature was valid; the caller still
/// checks their expiry. Bounded: when full, it starts over empty.
/// Thread-safe.
class verified_tokens {
public:
  explicit verified_tokens(size_t capacity) : capacity_(capacity) {}

  std::optional<token_claims> find(std::string_view token) const;

  void add(std::string_view token, const token_claims& claims);

  size_t size() const;

private:
  mutable std::mutex mtx_;
  std::unordered_map<std::string, token_claims> claims_;
  size_t capacity_;
};

} // namespace mall::net
