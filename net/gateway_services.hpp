// What the HTTP handlers use from the rest of the node.
#pragma once

#include "actors/entity_gateway.hpp"
#include "net/admin_operations.hpp"
#include "net/order_views.hpp"
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
/// http_server. Without `orders` the orders, deliveries and my page routes
/// are missing; without `operations` the admin operations are (so a node
/// that does not host them yet still serves the rest).
struct gateway_services {
  actors::entity_gateway& entities;
  product_catalog& catalog;
  readiness_check readiness;
  token_service& tokens;
  password_hasher& hasher;
  order_views* orders = nullptr;
  admin_operations* operations = nullptr;
};

} // namespace mall::net
