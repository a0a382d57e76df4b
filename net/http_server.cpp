#include "net/http_server.hpp"

#include "net/accounts_api.hpp"
#include "net/admin_api.hpp"
#include "net/api_error.hpp"
#include "net/deliveries_api.hpp"
#include "net/health_api.hpp"
#include "net/http_metrics.hpp"
#include "net/mypage_api.hpp"
#include "net/orders_api.hpp"
#include "net/products_api.hpp"
#include "net/query_string.hpp"
#include "net/random_id.hpp"
#include "net/rate_limiter.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace mall::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class http_session;

// How long and how much a connection closed after an error is still read
// from, so that the client receives the error instead of a reset.
constexpr auto linger_time = std::chrono::seconds{2};
constexpr size_t linger_bytes = 16 * 1024 * 1024;
constexpr size_t max_trace_id = 64;

bool is_valid_trace_id(std::string_view id) {
  if (id.empty() || id.size() > max_trace_id)
    return false;
  for (auto c : id)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

std::string trace_id_of(const http::fields& fields) {
  auto it = fields.find("X-Trace-Id");
  if (it != fields.end()) {
    auto value = it->value();
    std::string_view id{value.data(), value.size()};
    if (is_valid_trace_id(id))
      return std::string{id};
  }
  return random_hex(16);
}

} // namespace

/// What sessions share with the server. Sessions waiting for a handler's
/// answer are parked here rather than in the responder, so that the server
/// can release them before its io_context goes away, whatever thread still
/// holds a responder.
struct http_server::state {
  http_settings settings;
  request_router router;
  rate_limiter limiter;
  http_metrics metrics;
  std::atomic<bool> draining{false};

  std::mutex mx;
  std::condition_variable idle;
  /// Requests read but not yet answered on the wire.
  int in_flight = 0;
  uint64_t next_ticket = 0;
  std::unordered_map<uint64_t, std::shared_ptr<http_session>> awaiting;
  bool stopped = false;

  explicit state(http_settings s)
      : settings(std::move(s)),
        limiter(settings.rate_limit_per_second, settings.rate_limit_burst) {}

  void finished_one() {
    std::lock_guard<std::mutex> guard{mx};
    if (--in_flight == 0)
      idle.notify_all();
  }
};

namespace {

using server_state = http_server::state;

/// One connection: reads a request, routes it, writes the answer, repeats.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket&& socket, std::shared_ptr<server_state> state)
      : state_(std::move(state)), stream_(std::move(socket)) {
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec)
      client_ = remote.address().to_string();
  }

  ~http_session() {
    if (counted_)
      state_->finished_one();
  }

  void run() {
    // Start on the connection's strand: every member below runs there.
    asio::dispatch(
        stream_.get_executor(),
        beast::bind_front_handler(&http_session::do_read, shared_from_this()));
  }

  /// Called by a responder (any thread) through the server state.
  void answer(api_response res) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), res = std::move(res)]() mutable {
                 self->send(std::move(res), false);
               });
  }

private:
  void do_read() {
    // A fresh parser per request: limits apply to each request anew.
    parser_.emplace();
    parser_->body_limit(state_->settings.body_limit);
    parser_->header_limit(
        static_cast<std::uint32_t>(state_->settings.header_limit));
    stream_.expires_after(state_->settings.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream)
      return do_close();
    if (ec == http::error::body_limit)
      return fail_request("body_too_large",
                          "the request body exceeds " +
                              std::to_string(state_->settings.body_limit) +
                              " bytes",
                          trace_id_of(parser_->get()));
    if (ec == http::error::header_limit)
      return fail_request("headers_too_large",
                          "the request headers exceed " +
                              std::to_string(state_->settings.header_limit) +
                              " bytes",
                          random_hex(16));
    if (ec && ec.category() ==
                  http::make_error_code(http::error::bad_method).category())
      return fail_request("invalid_input", "malformed HTTP request",
                          random_hex(16));
    if (ec)
      return; // timeout, reset, shutdown: nobody to answer.
    dispatch_request();
  }

  void dispatch_request() {
    started_ = std::chrono::steady_clock::now();
    auto req = std::make_shared<api_request>();
    req->raw = parser_->release();
    req->trace_id = trace_id_of(req->raw);
    auto target = req->raw.target();
    std::string_view target_view{target.data(), target.size()};
    auto question = target_view.find('?');
    req->path = std::string{target_view.substr(0, question)};
    method_ = std::string{req->raw.method_string()};
    path_ = req->path;
    trace_id_ = req->trace_id;
    keep_alive_ = req->raw.keep_alive();
    version_ = req->raw.version();
    count_in();
    if (state_->draining)
      return send(
          api_error("unavailable", "the node is shutting down", trace_id_),
          true);
    if (!state_->limiter.admit(client_, started_))
      return send(api_error("rate_limited", "too many requests from " + client_,
                            trace_id_),
                  false);
    if (question != std::string_view::npos) {
      auto query = parse_query(target_view.substr(question + 1));
      if (!query)
        return send(api_error("invalid_input", "the query string is malformed",
                              trace_id_),
                    false);
      req->query = std::move(*query);
    }
    auto match = state_->router.match(req->raw.method(), req->path);
    switch (match.result) {
    case route_match::outcome::not_found:
      return send(
          api_error("not_found", "no resource at " + req->path, trace_id_),
          false);
    case route_match::outcome::method_not_allowed: {
      auto res =
          api_error("method_not_allowed",
                    method_ + " is not allowed on " + req->path, trace_id_);
      res.headers.emplace_back("Allow", match.allow);
      return send(std::move(res), false);
    }
    case route_match::outcome::found:
      break;
    }
    req->params = std::move(match.params);
    auto ticket = park();
    auto state = state_;
    responder respond = [state, ticket](api_response res) {
      // Everything under the lock: once `stopped` is set the io_context may
      // be gone, and no reference to the session may outlive it here.
      std::lock_guard<std::mutex> guard{state->mx};
      auto it = state->awaiting.find(ticket);
      // Gone: answered already, or the server stopped.
      if (state->stopped || it == state->awaiting.end())
        return;
      // The posted write holds the session; dropping the parked reference
      // therefore never destroys it under the lock.
      it->second->answer(std::move(res));
      state->awaiting.erase(it);
    };
    try {
      (*match.handler)(req, respond);
    } catch (const std::exception& e) {
      spdlog::error("[{}] handler for {} {} threw: {}", trace_id_, method_,
                    path_, e.what());
      respond(api_error("internal", "the server failed to handle the request",
                        trace_id_));
    }
  }

  // Fails a request that could not be read completely; the connection cannot
  // be resynchronized, so it closes after the answer.
  void fail_request(const char* code, std::string message,
                    std::string trace_id) {
    started_ = std::chrono::steady_clock::now();
    trace_id_ = std::move(trace_id);
    method_ = "-";
    path_ = "-";
    keep_alive_ = false;
    version_ = 11;
    count_in();
    send(api_error(code, message, trace_id_), true);
  }

  void count_in() {
    std::lock_guard<std::mutex> guard{state_->mx};
    ++state_->in_flight;
    counted_ = true;
  }

  uint64_t park() {
    std::lock_guard<std::mutex> guard{state_->mx};
    auto ticket = state_->next_ticket++;
    state_->awaiting.emplace(ticket, shared_from_this());
    return ticket;
  }

  void send(api_response out, bool close) {
    close = close || !keep_alive_ || state_->draining;
    res_ = {};
    res_.version(version_);
    res_.result(out.status);
    res_.set(http::field::content_type, "application/json");
    res_.set("X-Trace-Id", trace_id_);
    for (auto& [name, value] : out.headers)
      res_.set(name, value);
    res_.keep_alive(!close);
    res_.body() = std::move(out.body);
    res_.prepare_payload();
    log_request();
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&http_session::on_write,
                                                shared_from_this(), close));
  }

  void log_request() {
    auto status = res_.result_int();
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count();
    state_->metrics.record(status, std::chrono::microseconds{micros});
    if (status < 500) {
      spdlog::debug("[{}] {} {} {} {:.3f}ms", trace_id_, method_, path_, status,
                    micros / 1000.0);
      return;
    }
    // A server-side failure: its error says why.
    spdlog::warn("[{}] {} {} {} {:.3f}ms {}", trace_id_, method_, path_, status,
                 micros / 1000.0, res_.body().substr(0, 300));
  }

  void on_write(bool close, beast::error_code ec, std::size_t) {
    if (counted_) {
      counted_ = false;
      state_->finished_one();
    }
    if (ec)
      return;
    if (close)
      return linger();
    do_read();
  }

  // Half-closes, then reads (and drops) what the client still sends until it
  // closes too, for a bounded time: closing with unread data would reset the
  // connection and could destroy the answer before the client reads it.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(linger_time);
    do_drain();
  }

  void do_drain() {
    stream_.async_read_some(
        asio::buffer(drain_),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->drained_ += n;
          if (ec || self->drained_ > linger_bytes)
            return self->do_close();
          self->do_drain();
        });
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  // Destroyed last: the stream below must go while the state is alive.
  std::shared_ptr<server_state> state_;
  beast::tcp_stream stream_;
  /// The peer's address, the key of its rate limit.
  std::string client_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::array<char, 8192> drain_;
  std::size_t drained_ = 0;
  // About the request being answered, for the response and the log line.
  std::chrono::steady_clock::time_point started_;
  std::string trace_id_;
  std::string method_;
  std::string path_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool counted_ = false;
};

} // namespace

http_server::http_server(http_settings settings, gateway_services services)
    : state_(std::make_shared<state>(std::move(settings))),
      acceptor_(asio::make_strand(ioc_)) {
  add_health_routes(state_->router, services);
  add_product_routes(state_->router, services, state_->settings);
  add_account_routes(state_->router, services, state_->settings);
  if (services.orders) {
    add_order_routes(state_->router, services, *services.orders,
                     state_->settings);
    add_delivery_routes(state_->router, services, *services.orders,
                        state_->settings);
    add_mypage_routes(state_->router, services, *services.orders);
  }
  if (services.operations)
    add_admin_routes(state_->router, services.tokens, *services.operations);
  add_metrics_routes(state_->router, services.tokens, state_->metrics,
                     services.operations);
}

http_server::~http_server() {
  shutdown(std::chrono::milliseconds{0});
}

request_router& http_server::router() {
  return state_->router;
}

start_result http_server::start() {
  start_result out;
  beast::error_code ec;
  auto address = asio::ip::make_address(state_->settings.address, ec);
  if (ec) {
    out.error = "invalid address " + state_->settings.address;
    return out;
  }
  tcp::endpoint endpoint{address, state_->settings.port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(endpoint, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    out.error = "cannot listen on " + state_->settings.address + ":" +
                std::to_string(state_->settings.port) + ": " + ec.message();
    beast::error_code ignored;
    acceptor_.close(ignored);
    return out;
  }
  out.port = acceptor_.local_endpoint().port();
  running_ = true;
  work_.emplace(ioc_.get_executor());
  do_accept();
  auto threads = std::max(1, state_->settings.threads);
  for (int i = 0; i < threads; ++i)
    threads_.emplace_back([this] { ioc_.run(); });
  spdlog::info("http gateway listening on {}:{} with {} io threads",
               state_->settings.address, out.port, threads);
  return out;
}

void http_server::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec,
                                                         tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open())
      return;
    if (ec)
      spdlog::warn("http gateway accept failed: {}", ec.message());
    else
      std::make_shared<http_session>(std::move(socket), state_)->run();
    do_accept();
  });
}

void http_server::shutdown(std::chrono::milliseconds grace) {
  if (!running_)
    return;
  running_ = false;
  state_->draining = true;
  std::promise<void> closed;
  asio::post(acceptor_.get_executor(), [this, &closed] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  {
    std::unique_lock<std::mutex> lock{state_->mx};
    state_->idle.wait_for(lock, grace,
                          [this] { return state_->in_flight == 0; });
  }
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  std::unordered_map<uint64_t, std::shared_ptr<http_session>> parked;
  {
    std::lock_guard<std::mutex> guard{state_->mx};
    state_->stopped = true;
    parked.swap(state_->awaiting);
  }
  // Sessions still waiting for an answer die here, while the io_context
  // their sockets belong to is alive.
  parked.clear();
  spdlog::info("http gateway stopped");
}

} // namespace mall::net
