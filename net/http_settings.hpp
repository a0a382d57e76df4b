// The gateway's knobs; the node fills them from cluster.conf.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mall::net {

/// Where and how the HTTP gateway listens, and its per-request limits.
struct http_settings {
  std::string address = "127.0.0.1";
  /// 0 picks a free port (see `http_server::start`).
  uint16_t port = 8080;
  /// io threads running the sessions.
  int threads = 2;
  /// Largest request body in bytes (→ 413 `body_too_large`).
  std::size_t body_limit = 1024 * 1024;
  /// Largest request line plus headers in bytes (→ 431 `headers_too_large`).
  std::size_t header_limit = 16 * 1024;
  /// How long a connection may take to send one request (idle keep-alive
  /// connections are closed after it, too).
  std::chrono::milliseconds read_timeout{30000};
  /// How long a handler waits for an entity's answer (→ 503 `unavailable`).
  std::chrono::milliseconds ask_timeout{5000};
  /// How long `POST /orders` waits for the saga to decide before answering
  /// the still pending order.
  std::chrono::milliseconds order_reply_timeout{2000};
  /// Requests per second one client address may make on average (0: no
  /// limit) and at once; beyond it → 429 `rate_limited`.
  double rate_limit_per_second = 1000;
  double rate_limit_burst = 500;
  /// HS256 signing secret; the token_service is built from it.
  std::string jwt_secret;
  std::chrono::seconds token_ttl{3600};
};

} // namespace mall::net
