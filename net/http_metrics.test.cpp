#define CAF_SUITE net.http_metrics
#include "tests/support/caf_test.hpp"

#include "net/http_metrics.hpp"

#include <thread>
#include <vector>

using namespace mall::net;
using std::chrono::microseconds;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

} // namespace

CAF_TEST(no requests yet gives zero sum and count) {
  http_metrics m;
  auto text = m.prometheus_text();
  CAF_CHECK(has_line(text, "# TYPE mall_http_requests_total counter"));
  CAF_CHECK(has_line(text, "mall_http_request_duration_seconds_sum 0.000000"));
  CAF_CHECK(has_line(text, "mall_http_request_duration_seconds_count 0"));
  CAF_CHECK(text.find("status=") == std::string::npos);
}

CAF_TEST(requests are counted by status and their latency summed) {
  http_metrics m;
  m.record(200, microseconds{1500});
  m.record(200, microseconds{500});
  m.record(404, microseconds{250000});
  auto text = m.prometheus_text();
  CAF_CHECK(has_line(text, R"(mall_http_requests_total{status="200"} 2)"));
  CAF_CHECK(has_line(text, R"(mall_http_requests_total{status="404"} 1)"));
  CAF_CHECK(has_line(text, "mall_http_request_duration_seconds_sum 0.252000"));
  CAF_CHECK(has_line(text, "mall_http_request_duration_seconds_count 3"));
}

CAF_TEST(records from many threads are all counted) {
  http_metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m] {
      for (int i = 0; i < 1000; ++i)
        m.record(201, microseconds{1});
    });
  for (auto& t : threads)
    t.join();
  auto text = m.prometheus_text();
  CAF_CHECK(has_line(text, R"(mall_http_requests_total{status="201"} 4000)"));
  CAF_CHECK(has_line(text, "mall_http_request_duration_seconds_count 4000"));
}
