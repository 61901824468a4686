// A Lane runs items in the order they were pushed, one batch at a time, on an executor that may
// have many threads (the I/O threads): several lanes use several cores, each keeping its order.
// Pushing never blocks on the work; a lane that is busy takes what arrived meanwhile in its
// next batch, so a burst costs one post, not one per item.
#pragma once

#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace parley::core {

// Runs a function soon, on some thread. The default runs it at once, on the caller's thread.
using Post = std::function<void(std::function<void()>)>;

inline Post inline_post() {
  return [](std::function<void()> fn) { fn(); };
}

template <class T>
class Lane {
 public:
  using Drain = std::function<void(std::vector<T>& batch)>;
  explicit Lane(Drain drain, Post post = inline_post())
      : drain_(std::move(drain)), post_(std::move(post)) {}
  Lane(const Lane&) = delete;
  Lane& operator=(const Lane&) = delete;

  // Before any push.
  void set_post(Post post) { post_ = std::move(post); }

  void push(T item) {
    {
      std::lock_guard lock(mu_);
      pending_.push_back(std::move(item));
      if (scheduled_) return;
      scheduled_ = true;
    }
    post_([this] { run(); });
  }

 private:
  void run() {
    std::vector<T> batch;
    for (;;) {
      {
        std::lock_guard lock(mu_);
        batch.clear();
        batch.swap(pending_);
        if (batch.empty()) {
          scheduled_ = false;
          return;
        }
      }
      drain_(batch);
    }
  }

  Drain drain_;
  Post post_;
  std::mutex mu_;
  std::vector<T> pending_;  // under mu_
  bool scheduled_ = false;  // under mu_: a run() is posted or running
};

}  // namespace parley::core
