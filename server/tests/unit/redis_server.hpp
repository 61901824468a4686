// A real redis-server on 127.0.0.1 for tests (nothing saved to disk), on a free port; `kill()` is
// kill -9 and `start()` brings it back on the same port, empty, as a crashed Redis restarted.
#pragma once

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace parley::testing {

using namespace std::chrono_literals;

inline int free_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

inline bool answers(int port) {
  timeval tv{0, 200000};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port, tv);
  bool ok = false;
  if (c && !c->err) {
    auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
    ok = r && r->type == REDIS_REPLY_STATUS;
    if (r) freeReplyObject(r);
  }
  if (c) redisFree(c);
  return ok;
}

// redis-server on 127.0.0.1, nothing saved to disk; stopped (kill -9) and started again on the same
// port on demand.
class RedisServer {
 public:
  RedisServer() : port_(free_port()) { start(); }
  ~RedisServer() { kill(); }
  int port() const { return port_; }

  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      auto port = std::to_string(port_);
      ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
               "--save", "", "--appendonly", "no", "--loglevel", "warning", "--dir",
               std::filesystem::temp_directory_path().c_str(), nullptr);
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!answers(port_)) {
      int status = 0;
      ASSERT_EQ(::waitpid(pid_, &status, WNOHANG), 0) << "redis-server exited";
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "redis-server did not answer";
      std::this_thread::sleep_for(10ms);  // polling for readiness, not ordering events
    }
  }

  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

}  // namespace parley::testing
