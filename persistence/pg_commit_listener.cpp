#include "persistence/pg_commit_listener.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <chrono>

namespace mall::persistence {

namespace {

class receiver : public pqxx::notification_receiver {
public:
  receiver(pqxx::connection_base& c, const std::string& channel,
           std::function<void(journal_position)>& on_commit)
      : pqxx::notification_receiver(c, channel), on_commit_(on_commit) {}

  void operator()(const std::string& payload, int) override {
    if (auto at = pg_commit_listener::parse(payload))
      on_commit_(*at);
  }

private:
  std::function<void(journal_position)>& on_commit_;
};

} // namespace

pg_commit_listener::pg_commit_listener(
    std::string url, std::string channel,
    std::function<void(journal_position)> on_commit)
    : url_(std::move(url)),
      channel_(std::move(channel)),
      on_commit_(std::move(on_commit)),
      thread_([this] { run(); }) {}

pg_commit_listener::~pg_commit_listener() {
  stopping_ = true;
  thread_.join();
}

std::optional<journal_position>
pg_commit_listener::parse(const std::string& payload) {
  auto dot = payload.find('.');
  if (dot == std::string::npos)
    return std::nullopt;
  try {
    size_t used = 0;
    journal_position at;
    at.tx = std::stoll(payload.substr(0, dot), &used);
    if (used != dot)
      return std::nullopt;
    auto rest = payload.substr(dot + 1);
    at.offset = std::stoll(rest, &used);
    if (used != rest.size())
      return std::nullopt;
    return at;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string pg_commit_listener::payload(journal_position at) {
  return std::to_string(at.tx) + "." + std::to_string(at.offset);
}

void pg_commit_listener::run() {
  bool outage_logged = false;
  while (!stopping_) {
    try {
      pqxx::connection c{url_};
      receiver r{c, channel_, on_commit_};
      outage_logged = false;
      // Wakes every 100 ms to notice `stopping_`.
      while (!stopping_)
        c.await_notification(0, 100'000);
    } catch (const std::exception& e) {
      if (!outage_logged)
        spdlog::warn("commit listener: {}; retrying", e.what());
      outage_logged = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

} // namespace mall::persistence
