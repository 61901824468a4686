// REST endpoints for invitations, reports and the admin area (docs/api.md "Registration,
// invitations, reports and administration"). Admin-only routes answer 403 to everyone else
// before doing anything.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "api/accounts_api.hpp"
#include "auth/admin.hpp"
#include "chat/service.hpp"
#include "media/gifs.hpp"

namespace parley::api {

struct AdminApiOptions {
  std::string version;
  std::string push_key;  // the server's VAPID public key, base64url ("" when push is off)
  // Queues a test notification to each of the user's devices; returns how many.
  std::function<int(UserId)> push_test;
  media::GifSearch* gifs = nullptr;  // GIF search, when configured
  // Where GIF searches wait on the provider, apart from the REST pool (a slow provider must not
  // hold the threads every other request needs).
  core::WorkerPool* gif_pool = nullptr;
  // Open sockets on this node and the people they belong to.
  std::function<std::pair<std::size_t, std::size_t>()> sockets;
};

// Registers the routes on `router`; must outlive the server that serves them.
class AdminApi {
 public:
  AdminApi(net::Router& router, auth::AuthService& auth, auth::Admin& admin,
           chat::ChatService& chat, core::WorkerPool& pool, const ApiOptions& options,
           AdminApiOptions admin_options);
  ~AdminApi();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::api
