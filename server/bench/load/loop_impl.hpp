// Internal to the load generator's transport (net.cpp, ws_client.cpp): what a Loop holds.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>

#include "load/net.hpp"

namespace parley::load {

struct Loop::Impl {
  boost::asio::io_context ctx{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(ctx);
  std::thread thread;
};

}  // namespace parley::load
