// Prometheus text rendering.
#include "net/metrics.hpp"

#include <gtest/gtest.h>

namespace parley::net {
namespace {

TEST(Metrics, RendersConnectionsStatusesAndNamedCounters) {
  Metrics m;
  m.http_connections = 3;
  m.bytes_out += 1234;
  m.count_response(200);
  m.count_response(200);
  m.count_response(404);
  m.count_response(999);  // ignored, not a crash
  m.counter("parley_logins_total", "Successful logins.") += 5;
  EXPECT_EQ(&m.counter("parley_logins_total", "again"), &m.counter("parley_logins_total", "x"));
  std::string text = m.render();
  EXPECT_NE(text.find("parley_http_connections_open 3\n"), std::string::npos);
  EXPECT_NE(text.find("parley_bytes_sent_total 1234\n"), std::string::npos);
  EXPECT_NE(text.find("parley_http_requests_total{code=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("parley_http_requests_total{code=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE parley_logins_total counter\nparley_logins_total 5\n"),
            std::string::npos);
}

}  // namespace
}  // namespace parley::net
