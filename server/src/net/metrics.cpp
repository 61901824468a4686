// Prometheus text exposition of Metrics.
#include "net/metrics.hpp"

#include <fmt/format.h>

namespace parley::net {

std::atomic<std::int64_t>& Metrics::named(const std::string& name, const std::string& help,
                                          bool gauge) {
  std::lock_guard lock(mu_);
  for (auto& n : named_) {
    if (n.name == name) return n.value;
  }
  auto& n = named_.emplace_back();
  n.name = name;
  n.help = help;
  n.gauge = gauge;
  return n.value;
}

std::atomic<std::int64_t>& Metrics::counter(const std::string& name, const std::string& help) {
  return named(name, help, false);
}

std::atomic<std::int64_t>& Metrics::gauge(const std::string& name, const std::string& help) {
  return named(name, help, true);
}

std::string Metrics::render() const {
  std::string out;
  auto metric = [&](std::string_view name, std::string_view type, std::string_view help,
                    auto value) {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help,
                   type, value);
  };
  metric("parley_http_connections_open", "gauge", "Open HTTP connections (not yet upgraded).",
         http_connections.load());
  metric("parley_ws_connections_open", "gauge", "Open WebSocket connections.",
         ws_connections.load());
  metric("parley_bytes_received_total", "counter",
         "Bytes read from clients (HTTP and WebSocket payloads).", bytes_in.load());
  metric("parley_bytes_sent_total", "counter",
         "Bytes written to clients (HTTP and WebSocket payloads).", bytes_out.load());
  metric("parley_ws_messages_received_total", "counter", "WebSocket messages received.",
         ws_messages_in.load());
  metric("parley_ws_messages_sent_total", "counter", "WebSocket messages sent.",
         ws_messages_out.load());
  metric("parley_ws_dropped_slow_total", "counter",
         "WebSockets closed because their outbound queue was full.", ws_dropped_slow.load());
  metric("parley_ws_dropped_silent_total", "counter",
         "WebSockets closed because a ping went unanswered.", ws_dropped_silent.load());
  metric("parley_connections_refused_total", "counter",
         "Connections closed at accept: every slot, or every slot of their address, taken.",
         connections_refused.load());
  metric("parley_connections_evicted_total", "counter",
         "Connections that had sent nothing, closed to make room for a new one.",
         connections_evicted.load());

  out += "# HELP parley_http_requests_total HTTP responses sent, by status code.\n";
  out += "# TYPE parley_http_requests_total counter\n";
  for (size_t code = 100; code < by_status_.size(); ++code) {
    auto n = by_status_[code].load(std::memory_order_relaxed);
    if (n != 0)
      fmt::format_to(std::back_inserter(out), "parley_http_requests_total{{code=\"{}\"}} {}\n",
                     code, n);
  }

  std::lock_guard lock(mu_);
  for (const auto& n : named_) {
    metric(n.name, n.gauge ? "gauge" : "counter", n.help, n.value.load());
  }
  return out;
}

}  // namespace parley::net
