// REST endpoints for files: resumable uploads streamed to disk (POST/PUT/GET/DELETE
// /api/uploads...) and downloads with ranges and caching (GET /api/files/{id}). See docs/api.md.
#pragma once

#include <memory>

#include "api/accounts_api.hpp"
#include "auth/service.hpp"
#include "chat/files.hpp"
#include "core/fair_queue.hpp"
#include "core/worker_pool.hpp"
#include "media/media.hpp"
#include "net/router.hpp"

namespace parley::api {

struct FilesApiOptions {
  double uploads_per_minute = 60;  // uploads a user may start, sustained (twice that at once)
  double sweep_seconds = 600;      // how often unused files and stalled uploads are cleared
};

class FilesApi {
 public:
  // `heavy` finishes uploads (hashing again, images) on a pool of their own, so a slow image
  // never holds up sign-ins and REST calls on `pool`, and one user at a time per slot, so one
  // user's large images never hold up another's; `media` is that pool.
  FilesApi(net::Router& router, auth::AuthService& auth, core::WorkerPool& pool,
           core::WorkerPool& media, core::FairQueue& heavy, chat::FileRules& rules,
           media::Storage& storage, const ApiOptions& api, FilesApiOptions options);
  ~FilesApi();  // stops the sweeper

  // Clears unused files and stalled uploads now (also done every sweep_seconds).
  void sweep();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::api
