// A real PostgreSQL 15 server on 127.0.0.1 for tests: initdb into a temporary directory (trust
// authentication, fsync off), started on a free port, stopped and removed at the end. As root it
// runs as the `postgres` user (PostgreSQL refuses root). `database(name)` makes a fresh database
// and returns its connection string.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.hpp"  // free_port

namespace parley::testing {

class PostgresServer {
 public:
  PostgresServer() : port_(free_port()) {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-pg-" + std::to_string(::getpid()) + "-" + std::to_string(port_));
    std::filesystem::create_directories(dir_);
    if (::geteuid() == 0) run({"chown", "postgres", dir_.string()});
    run(as_postgres({kBin + "initdb", "-D", (dir_ / "data").string(), "-A", "trust", "-U",
                     "postgres", "--no-sync"}));
    pid_ = ::fork();
    if (pid_ == 0) {
      auto args = as_postgres({kBin + "postgres", "-D", (dir_ / "data").string(), "-p",
                               std::to_string(port_), "-k", dir_.string(), "-c",
                               "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                               "log_min_messages=warning"});
      exec(args);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (run_quiet({kBin + "pg_isready", "-q", "-h", "127.0.0.1", "-p", std::to_string(port_)}) !=
           0) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) != 0) {
        ADD_FAILURE() << "postgres exited";
        return;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "postgres did not answer";
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // readiness poll
    }
  }
  ~PostgresServer() {
    if (pid_ > 0) {
      // The server's own pid (as root, pid_ is runuser's): a fast shutdown, clients are cut.
      std::ifstream pidfile(dir_ / "data" / "postmaster.pid");
      pid_t server = 0;
      if (pidfile >> server && server > 0) ::kill(server, SIGINT);
      ::kill(pid_, SIGINT);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string url(const std::string& db = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  std::string database(const std::string& name) {
    run({kBin + "createdb", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres",
         name});
    return url(name);
  }

 private:
  inline static const std::string kBin = "/usr/lib/postgresql/15/bin/";

  static std::vector<std::string> as_postgres(std::vector<std::string> args) {
    if (::geteuid() == 0) args.insert(args.begin(), {"runuser", "-u", "postgres", "--"});
    return args;
  }
  [[noreturn]] static void exec(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  static int run_quiet(const std::vector<std::string>& args) {
    pid_t p = ::fork();
    if (p == 0) {
      std::freopen("/dev/null", "w", stdout);
      std::freopen("/dev/null", "w", stderr);
      exec(args);
    }
    int status = 0;
    ::waitpid(p, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  static void run(const std::vector<std::string>& args) {
    ASSERT_EQ(run_quiet(args), 0) << args[0] << " failed";
  }

  int port_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

}  // namespace parley::testing
