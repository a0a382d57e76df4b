// What the HTTP handlers use from the rest of the node.
#pragma once

#include "actors/entity_gateway.hpp"
#include "net/password_hasher.hpp"
#include "net/product_catalog.hpp"
#include "net/token_service.hpp"

#include <functional>
#include <string>
#include <vector>

namespace mall::net {

/// Why this node cannot serve now; empty when it is ready.
using readiness_check = std::function<std::vector<std::string>()>;

/// The node's services the gateway talks to. All of them must outlive the
/// http_server.
struct gateway_services {
  actors::entity_gateway& entities;
  product_catalog& catalog;
  readiness_check readiness;
  token_service& tokens;
  password_hasher& hasher;
};

} // namespace mall::net
