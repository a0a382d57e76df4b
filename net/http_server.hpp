// The HTTP gateway: a Beast server that routes JSON requests to handlers.
#pragma once

#include "net/gateway_services.hpp"
#include "net/http_settings.hpp"
#include "net/request_router.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mall::net {

/// Outcome of `http_server::start`.
struct start_result {
  /// The bound port (the real one when the settings asked for 0).
  uint16_t port = 0;
  /// Empty on success; otherwise why binding failed.
  std::string error;

  bool ok() const noexcept { return error.empty(); }
};

/// Serves the API on `settings.threads` io threads with keep-alive, body and
/// header limits, read timeouts, a trace id and JSON content type on every
/// answer, one log line and one metrics record per request. The constructor
/// registers the health, products, accounts and metrics routes, the orders,
/// deliveries and my page routes when `services.orders` is set and the admin
/// operations when `services.operations` is; more may be added through
/// `router()` before `start`.
class http_server {
public:
  http_server(http_settings settings, gateway_services services);
  /// Shuts down without grace when still running.
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// The routing table; change it only before `start`.
  request_router& router();

  /// Binds, listens and starts the io threads.
  start_result start();

  /// Stops accepting, lets requests in progress finish for at most `grace`,
  /// then closes every connection and joins the io threads. Idempotent.
  void shutdown(std::chrono::milliseconds grace);

  /// What connections share with the server; defined in http_server.cpp.
  struct state;

private:
  void do_accept();

  std::shared_ptr<state> state_;
  boost::asio::io_context ioc_;
  /// Keeps the io threads running while requests wait for handlers, which
  /// leaves no operation pending on their connection.
  std::optional<
      boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      work_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  bool running_ = false;
};

} // namespace mall::net
