// The fair queue: one task per key at a time, keys in turns, the waiting room bounded.
#include "core/fair_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

namespace parley::core {
namespace {
using namespace std::chrono_literals;

// A gate tasks wait at until the test opens it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(FairQueue, AnotherKeyGoesBeforeTheRestOfAPile) {
  WorkerPool pool(1);
  FairQueue q(pool, 1, 100, 100);
  Gate gate;
  std::promise<void> started;
  std::mutex mu;
  std::vector<std::string> order;
  auto record = [&](std::string s) {
    std::lock_guard lock(mu);
    order.push_back(std::move(s));
  };
  ASSERT_EQ(FairQueue::Posted::kQueued, q.post(1, [&] {
    started.set_value();
    gate.wait();
    record("a1");
  }));
  started.get_future().wait();
  for (int i = 2; i <= 4; ++i)
    ASSERT_EQ(FairQueue::Posted::kQueued, q.post(1, [&, i] { record("a" + std::to_string(i)); }));
  std::promise<void> done;
  ASSERT_EQ(FairQueue::Posted::kQueued, q.post(2, [&] {
    record("b1");
    done.set_value();
  }));
  gate.release();
  done.get_future().wait();
  pool.join();
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order[0], "a1");
  EXPECT_EQ(order[1], "b1") << "user 2 waited behind user 1's pile";
}

TEST(FairQueue, OneTaskPerKeyAtATime) {
  WorkerPool pool(4);
  FairQueue q(pool, 4, 100, 100);
  std::atomic<int> running{0}, most{0}, done{0};
  std::promise<void> all;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(FairQueue::Posted::kQueued, q.post(7, [&] {
      int now = ++running;
      most = std::max(most.load(), now);
      std::this_thread::yield();
      --running;
      if (++done == 20) all.set_value();
    }));
  }
  all.get_future().wait();
  EXPECT_EQ(most.load(), 1);
}

TEST(FairQueue, TheWaitingRoomIsBoundedPerKeyAndInAll) {
  WorkerPool pool(1);
  FairQueue q(pool, 1, 3, 2);
  Gate gate;
  std::promise<void> started;
  ASSERT_EQ(FairQueue::Posted::kQueued, q.post(1, [&] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();
  using P = FairQueue::Posted;
  EXPECT_EQ(q.post(1, [] {}), P::kQueued);
  EXPECT_EQ(q.post(1, [] {}), P::kQueued);
  EXPECT_EQ(q.post(1, [] {}), P::kKeyFull) << "a third waiting task of one key";
  EXPECT_EQ(q.post(2, [] {}), P::kQueued);
  EXPECT_EQ(q.post(3, [] {}), P::kFull) << "a fourth waiting task in all";
  gate.release();
  pool.join();
}

}  // namespace
}  // namespace parley::core
