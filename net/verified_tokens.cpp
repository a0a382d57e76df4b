#include "net/verified_tokens.hpp"

namespace mall::net {

std::optional<token_claims>
verified_tokens::find(std::string_view token) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = claims_.find(std::string{token});
  if (i == claims_.end())
    return std::nullopt;
  return i->second;
}

void verified_tokens::add(std::string_view token, const token_claims& claims) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (claims_.size() >= capacity_)
    claims_.clear();
  claims_.emplace(std::string{token}, claims);
}

size_t verified_tokens::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return claims_.size();
}

} // namespace mall::net
