// Request counters of the gateway in Prometheus' text format.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace mall::net {

/// Counts answered requests by status and sums their latency; safe to use
/// from every io thread.
class http_metrics {
public:
  /// Counts one answer with `status` that took `latency`.
  void record(unsigned status, std::chrono::microseconds latency);

  /// `mall_http_requests_total{status="..."}` per status seen and the
  /// `mall_http_request_duration_seconds` sum and count, with HELP and TYPE
  /// lines.
  std::string prometheus_text() const;

private:
  mutable std::mutex mx_;
  std::map<unsigned, long long> by_status_;
  long long count_ = 0;
  std::chrono::microseconds latency_sum_{0};
};

} // namespace mall::net
