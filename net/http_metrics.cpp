#include "net/http_metrics.hpp"

#include <cstdio>

namespace mall::net {

void http_metrics::record(unsigned status, std::chrono::microseconds latency) {
  std::lock_guard<std::mutex> guard{mx_};
  ++by_status_[status];
  ++count_;
  latency_sum_ += latency;
}

std::string http_metrics::prometheus_text() const {
  std::lock_guard<std::mutex> guard{mx_};
  std::string out =
      "# HELP mall_http_requests_total HTTP requests answered, by status.\n"
      "# TYPE mall_http_requests_total counter\n";
  for (auto& [status, n] : by_status_)
    out += "mall_http_requests_total{status=\"" + std::to_string(status) +
           "\"} " + std::to_string(n) + "\n";
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.6f",
                static_cast<double>(latency_sum_.count()) / 1e6);
  out += "# HELP mall_http_request_duration_seconds Time from reading a "
         "request to writing its answer.\n"
         "# TYPE mall_http_request_duration_seconds summary\n"
         "mall_http_request_duration_seconds_sum " +
         std::string{seconds} +
         "\n"
         "mall_http_request_duration_seconds_count " +
         std::to_string(count_) + "\n";
  return out;
}

} // namespace mall::net
