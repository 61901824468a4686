// Files over HTTP: uploads stream into data/files/tmp as they arrive (resumable at any byte), are
// processed on the worker pool when complete, and are served in slices straight from disk.
#include "api/files_api.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "api/http_util.hpp"
#include "auth/tokens.hpp"
#include "core/limiter.hpp"
#include "protocol/frames.hpp"

namespace parley::api {
namespace json = boost::json;
namespace fs = std::filesystem;
using net::HttpRequest;
using net::HttpResponse;

namespace {

constexpr std::string_view kUploads = "/api/uploads";
constexpr std::string_view kFiles = "/api/files/";

json::object upload_json(const store::Upload& u, std::uint64_t offset) {
  return json::object{{"id", u.id},
                      {"room", u.room.value()},
                      {"name", u.name},
                      {"size", u.size},
                      {"offset", offset}};
}

HttpResponse upload_answer(int status, const store::Upload& u, std::uint64_t offset) {
  return HttpResponse::json(status,
                            json::serialize(json::object{{"upload", upload_json(u, offset)}}))
      .with("Cache-Control", "no-store");
}

HttpResponse file_answer(const store::FileInfo& f) {
  return HttpResponse::json(201, "{\"file\":" + protocol::encode_file(f) + "}")
      .with("Cache-Control", "no-store");
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// The value of `key` in an undecoded query string ("v=thumb&x=1").
std::string_view query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = item.find('=');
    if (item.substr(0, eq) == key) return eq == std::string_view::npos ? "" : item.substr(eq + 1);
  }
  return {};
}

// An upload whose bytes are arriving on some connection, and its running hash.
struct Active {
  bool busy = false;  // a PUT is writing (one at a time)
  std::unique_ptr<media::Hasher> hasher;
};

}  // namespace

struct FilesApi::Impl : std::enable_shared_from_this<FilesApi::Impl> {
  Impl(auth::AuthService& a, core::WorkerPool& p, core::WorkerPool& m, core::FairQueue& h,
       chat::FileRules& r, media::Storage& s, const ApiOptions& api_options, FilesApiOptions o)
      : auth(a),
        pool(p),
        media_pool(m),
        heavy(h),
        rules(r),
        storage(s),
        api(api_options),
        options(o),
        limiter(o.uploads_per_minute * 2, static_cast<std::int64_t>(60000 / o.uploads_per_minute)) {
  }

  auth::AuthService& auth;
  core::WorkerPool& pool;
  core::WorkerPool& media_pool;
  core::FairQueue& heavy;  // finishing uploads, on media_pool, fairly between users
  chat::FileRules& rules;
  media::Storage& storage;
  const ApiOptions& api;
  FilesApiOptions options;
  core::KeyedLimiter limiter;  // upload starts per user
  std::mutex limiter_mu;

  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<Active>> active;  // under mu
  // The contents being finished now (under mu): the sweeper leaves their bytes alone, even when it
  // has just dropped their rows (finishing records them again).
  std::unordered_multiset<std::string> finishing;

  std::mutex sweep_mu;
  std::condition_variable sweep_cv;
  bool stopping = false;
  std::thread sweeper;

  std::optional<auth::Authenticated> who(const HttpRequest& req) {
    return auth.authenticate(cookie_value(req.header("cookie"), kSessionCookie));
  }

  // Runs `work` on the pool after the CSRF and session checks; bad input and bugs become answers.
  template <class Work>
  void authed(std::shared_ptr<const HttpRequest> req, net::Reply reply, Work work) {
    if (auto refusal = csrf_refusal(*req, api)) return reply(std::move(*refusal));
    pool.post([self = shared_from_this(), req, reply = std::move(reply), work]() mutable {
      try {
        auto w = self->who(*req);
        if (!w) return reply(HttpResponse::error(401, "unauthorized", "Sign in first"));
        reply(work(*req, *w));
      } catch (const BadRequest& b) {
        reply(bad_request(b));
      } catch (const std::exception& e) {
        spdlog::error("{} {} failed: {}", req->method, req->path, e.what());
        reply(HttpResponse::error(500, "internal", "Something went wrong on the server"));
      }
    });
  }

  // ---- uploads --------------------------------------------------------------------------------

  HttpResponse create(const HttpRequest& req, const auth::Authenticated& w) {
    auto r = parse_upload_request(req.body);
    {
      std::lock_guard lock(limiter_mu);
      if (int wait = limiter.take(std::to_string(w.user.id.value()), core::now_ms()); wait > 0) {
        auto e = core::make_error(core::Errc::kRateLimited,
                                  "Too many uploads: wait a moment before the next one");
        e.retry_after = wait;
        return error_response(e);
      }
    }
    auto u = rules.begin_upload(w.user.id, r.room, auth::random_token(), r.name, r.size,
                                r.declared_type);
    if (!u) return error_response(u.error());
    return upload_answer(201, *u, 0);
  }

  HttpResponse status(const HttpRequest& req, const auth::Authenticated& w, bool remove) {
    std::string id = req.path.substr(kUploads.size() + 1);
    auto u = rules.own_upload(w.user.id, id);
    if (!u) return error_response(u.error());
    if (u->file) {  // finished: the answer its last PUT got, for a client that missed it
      if (remove) {
        rules.cancel(id);  // the file stays (a message may hold it)
        return HttpResponse{204, {}, {}};
      }
      auto info = rules.finished(*u);
      if (!info) return HttpResponse::error(404, "not_found", "No such upload");
      auto upload = json::serialize(upload_json(*u, static_cast<std::uint64_t>(u->size)));
      return HttpResponse::json(
                 200, "{\"upload\":" + upload + ",\"file\":" + protocol::encode_file(*info) + "}")
          .with("Cache-Control", "no-store");
    }
    if (!remove) return upload_answer(200, *u, storage.part_size(id));
    rules.cancel(id);
    storage.remove_part(id);
    std::lock_guard lock(mu);
    if (auto it = active.find(id); it != active.end() && !it->second->busy) active.erase(it);
    return HttpResponse{204, {}, {}};
  }

  // Where the bytes of one PUT go.
  class Sink final : public net::BodySink {
   public:
    Sink(std::shared_ptr<Impl> impl, store::Upload upload, std::shared_ptr<Active> active,
         std::uint64_t offset)
        : impl_(std::move(impl)),
          upload_(std::move(upload)),
          active_(std::move(active)),
          offset_(offset) {
      fd_ = ::open(impl_->storage.part_path(upload_.id).c_str(),
                   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd_ < 0) spdlog::error("cannot open the upload {}: {}", upload_.id, std::strerror(errno));
      if (active_->hasher && active_->hasher->fed() != offset_) active_->hasher.reset();
      if (!active_->hasher && offset_ == 0) active_->hasher = std::make_unique<media::Hasher>();
    }
    ~Sink() override { close_file(); }

    bool write(const char* data, std::size_t size) override {
      if (fd_ < 0) return failed_ = true, false;
      std::size_t done = 0;
      while (done < size) {
        ssize_t n = ::write(fd_, data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          spdlog::error("writing the upload {} failed: {}", upload_.id, std::strerror(errno));
          return failed_ = true, false;
        }
        done += static_cast<std::size_t>(n);
      }
      if (active_->hasher) active_->hasher->update(data, size);
      offset_ += size;
      // Start writing to disk while the rest arrives, so the fsync that finishing needs (an
      // acknowledged file must survive a power cut) finds little left to do.
      if (offset_ - flushed_ >= kFlushEvery) {
        ::sync_file_range(fd_, static_cast<off64_t>(flushed_),
                          static_cast<off64_t>(offset_ - flushed_), SYNC_FILE_RANGE_WRITE);
        flushed_ = offset_;
      }
      return true;
    }

    // The upload is free for the next PUT before any answer to this one goes out, so a client
    // that continues as soon as it has the answer never finds it busy.
    void finish(bool complete, net::Reply reply) override {
      close_file();
      auto impl = impl_;
      auto release = [impl, active = active_] {
        std::lock_guard lock(impl->mu);
        active->busy = false;
      };
      const bool last = complete && !failed_ && offset_ == static_cast<std::uint64_t>(upload_.size);
      if (!last) {
        release();
        impl->pool.post([impl, upload = upload_, failed = failed_, offset = offset_,
                         reply = std::move(reply)] {
          try {
            impl->rules.touch(upload.id);
          } catch (const std::exception& e) {
            spdlog::error("recording progress of the upload {} failed: {}", upload.id, e.what());
          }
          reply(failed ? HttpResponse::error(500, "internal", "Could not store the upload")
                       : upload_answer(200, upload, offset));
        });
        return;
      }
      auto shared_reply = std::make_shared<net::Reply>(std::move(reply));
      auto posted = impl->heavy.post(
          upload_.user.value(), [impl, upload = upload_, active = active_, release, shared_reply] {
            auto& reply = *shared_reply;
            HttpResponse res;
            try {
              res = impl->finalize(upload, *active);
            } catch (const std::exception& e) {
              spdlog::error("finishing the upload {} failed: {}", upload.id, e.what());
              res = HttpResponse::error(500, "internal", "Could not store the upload");
              std::lock_guard lock(impl->mu);
              impl->active_erase(upload.id);
            }
            release();
            reply(std::move(res));
          });
      if (posted != core::FairQueue::Posted::kQueued) {
        // Every byte is kept: the client asks again later (GET, then a PUT of nothing from the
        // end) and the upload is finished then.
        release();
        const bool mine = posted == core::FairQueue::Posted::kKeyFull;
        auto res =
            mine ? HttpResponse::error(429, "busy", "Your earlier files are still being processed")
                 : HttpResponse::error(503, "busy", "The server is busy processing files");
        (*shared_reply)(std::move(res.with("Retry-After", mine ? "2" : "5")));
      }
    }

   private:
    void close_file() {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
    }
    std::shared_ptr<Impl> impl_;
    store::Upload upload_;
    std::shared_ptr<Active> active_;
    std::uint64_t offset_;
    std::uint64_t flushed_ = offset_;  // handed to the disk up to here
    static constexpr std::uint64_t kFlushEvery = 8 << 20;
    int fd_ = -1;
    bool failed_ = false;
  };

  // Every byte is there: hash, detect, make variants, file it. On the worker pool.
  HttpResponse finalize(const store::Upload& upload, Active& active) {
    if (auto now = rules.own_upload(upload.user, upload.id); !now || now->file) {  // cancelled
      storage.remove_part(upload.id);
      return HttpResponse::error(404, "not_found", "No such upload");
    }
    std::string sha =
        active.hasher ? active.hasher->hex() : storage.hash_file(storage.part_path(upload.id));
    active.hasher.reset();
    {
      std::lock_guard lock(mu);
      finishing.insert(sha);
    }
    struct Done {
      Impl* self;
      const std::string& sha;
      ~Done() {
        std::lock_guard lock(self->mu);
        self->finishing.erase(self->finishing.find(sha));
      }
    } done{this, sha};
    store::Blob blob;
    auto known = rules.known_blob(sha);
    if (known && fs::exists(storage.blob_path(sha))) {
      blob = *known;  // the same bytes were stored before: keep one copy
      // Moved aside now, removed after the answer: unlinking a large file waits for its pages
      // still being written out, which the uploader need not wait for.
      auto aside = storage.set_aside_part(upload.id);
      media_pool.post([aside] {
        std::error_code ec;
        fs::remove(aside, ec);
      });
    } else {
      auto p = storage.finish(upload.id, sha, upload.type);
      blob = store::Blob{p.sha256,   static_cast<std::int64_t>(p.size),
                         p.type,     p.kind,
                         p.width,    p.height,
                         p.animated, p.thumb,
                         p.preview};
    }
    auto info = rules.complete(upload, blob);
    {
      std::lock_guard lock(mu);
      active_erase(upload.id);
    }
    return file_answer(info);
  }
  void active_erase(const std::string& id) { active.erase(id); }

  // PUT /api/uploads/{id}: decides from the head whether to take the body, then streams it.
  void put(std::shared_ptr<const HttpRequest> req,
           std::function<void(net::StreamAdmission)> decide) {
    auto refuse = [&decide](HttpResponse r) {
      net::StreamAdmission a;
      a.refusal = std::move(r);
      decide(std::move(a));
    };
    if (auto refusal = csrf_refusal(*req, api)) return refuse(std::move(*refusal));
    pool.post([self = shared_from_this(), req, decide = std::move(decide)]() mutable {
      auto refuse = [&decide](HttpResponse r) {
        net::StreamAdmission a;
        a.refusal = std::move(r);
        decide(std::move(a));
      };
      try {
        auto w = self->who(*req);
        if (!w) return refuse(HttpResponse::error(401, "unauthorized", "Sign in first"));
        std::string id = req->path.substr(kUploads.size() + 1);
        auto u = self->rules.own_upload(w->user.id, id);
        if (!u) return refuse(error_response(u.error()));
        if (u->file) {  // finished already (its answer was lost): the same answer again
          auto size = static_cast<std::uint64_t>(u->size);
          auto at = parse_offset(req->header("upload-offset"));
          auto info = self->rules.finished(*u);
          if (!info) return refuse(HttpResponse::error(404, "not_found", "No such upload"));
          if (at && static_cast<std::uint64_t>(*at) == size) return refuse(file_answer(*info));
          json::object body{
              {"error", "conflict"}, {"message", "This upload is finished"}, {"offset", size}};
          return refuse(HttpResponse::json(409, json::serialize(body)));
        }
        auto offset = parse_offset(req->header("upload-offset"));
        if (!offset) {
          return refuse(error_response(core::make_error(
              core::Errc::kInvalid, "Upload-Offset must say where these bytes start", "offset")));
        }
        std::shared_ptr<Active> act;
        {
          std::lock_guard lock(self->mu);
          auto& slot = self->active[id];
          if (!slot) slot = std::make_shared<Active>();
          if (slot->busy) {
            return refuse(HttpResponse::error(409, "conflict",
                                              "This upload is being written by another request"));
          }
          slot->busy = true;
          act = slot;
        }
        std::uint64_t have = self->storage.part_size(id);
        if (static_cast<std::uint64_t>(*offset) != have) {
          {
            std::lock_guard lock(self->mu);
            act->busy = false;
            if (!act->hasher) self->active.erase(id);  // nothing worth keeping
          }
          json::object body{{"error", "conflict"},
                            {"message", fmt::format("The upload continues at byte {}", have)},
                            {"offset", have}};
          return refuse(HttpResponse::json(409, json::serialize(body)));
        }
        net::StreamAdmission a;
        a.max_bytes = static_cast<std::uint64_t>(u->size) - have;
        a.sink = std::make_shared<Sink>(self, *u, act, have);
        // Moving: the sweep of idle uploads leaves it alone. (Written at most once an hour: each
        // write is a commit.)
        if (core::now_ms() - u->touched_at > 3600 * 1000) self->rules.touch(id);
        decide(std::move(a));
      } catch (const std::exception& e) {
        spdlog::error("PUT {} failed: {}", req->path, e.what());
        refuse(HttpResponse::error(500, "internal", "Something went wrong on the server"));
      }
    });
  }

  // ---- downloads ------------------------------------------------------------------------------

  HttpResponse download(const HttpRequest& req, const auth::Authenticated& w) {
    auto id = parse_int(std::string_view(req.path).substr(kFiles.size()));
    if (!id) return HttpResponse::error(404, "not_found", "No such file");
    auto f = rules.readable_file(w.user.id, *id);
    if (!f) return error_response(f.error());
    auto v = query_value(req.query, "v");
    media::Variant variant = media::Variant::kOriginal;
    std::string type = f->info.type;
    if (v == "thumb" || v == "preview") {
      bool has = v == "thumb" ? f->info.thumb : f->info.preview;
      if (!has) return HttpResponse::error(404, "not_found", "No such variant of this file");
      variant = v == "thumb" ? media::Variant::kThumb : media::Variant::kPreview;
      type = "image/webp";
    } else if (!v.empty()) {
      return HttpResponse::error(404, "not_found", "No such variant of this file");
    }
    auto path = storage.blob_path(f->sha256, variant);
    std::error_code ec;
    std::uint64_t size = fs::file_size(path, ec);
    if (ec) {
      spdlog::error("file {} has no bytes at {}", *id, path.string());
      return HttpResponse::error(404, "not_found", "No such file");
    }
    std::string etag =
        fmt::format("\"{}{}\"", f->sha256.substr(0, 32), v.empty() ? "" : "-" + std::string(v));
    // Inline only what shows as media here (an image too large to decode is a file: a download).
    // A variant is a WebP: saved as one ("cat.jpg" -> "cat.webp").
    std::string download_name = f->info.name;
    if (variant != media::Variant::kOriginal) {
      auto dot = download_name.rfind('.');
      download_name = download_name.substr(0, dot == 0 ? std::string::npos : dot) + ".webp";
    }
    bool attachment = !media::inline_safe(type) || (f->info.kind == "file" && type != "text/plain");
    HttpResponse res;
    res.with("ETag", etag)
        // Who may read a file changes (leaving a room, a deleted message, signing out): browsers
        // ask again each time, and the ETag makes that a 304 without the bytes.
        .with("Cache-Control", "private, no-cache")
        .with("X-Content-Type-Options", "nosniff")
        .with("Content-Security-Policy", "sandbox; default-src 'none'")
        .with("Content-Disposition", media::content_disposition(download_name, attachment))
        .with("Accept-Ranges", "bytes");
    if (!req.header("if-none-match").empty() &&
        req.header("if-none-match").find(etag) != std::string_view::npos) {
      res.status = 304;
      return res;
    }
    res.with("Content-Type", type == "text/plain" ? "text/plain; charset=utf-8" : type);
    auto range = req.header("range");
    auto if_range = req.header("if-range");
    media::RangeAnswer answer;
    if (!range.empty() && (if_range.empty() || if_range == etag))
      answer = media::parse_range(range, size);
    if (answer.outcome == media::RangeAnswer::kUnsatisfiable) {
      res.status = 416;
      res.with("Content-Range", fmt::format("bytes */{}", size));
      res.with("Content-Type", "text/plain; charset=utf-8");
      res.body = "Range not satisfiable";
      return res;
    }
    net::FileSlice slice{path.string(), 0, size};
    if (answer.outcome == media::RangeAnswer::kPartial) {
      res.status = 206;
      slice.offset = answer.range.first;
      slice.length = answer.range.length;
      res.with("Content-Range",
               fmt::format("bytes {}-{}/{}", slice.offset, slice.offset + slice.length - 1, size));
    }
    res.file = std::move(slice);
    return res;
  }

  // ---- sweeping -------------------------------------------------------------------------------

  void sweep() {
    try {
      for (const auto& u : rules.take_stale_uploads()) {
        storage.remove_part(u.id);
        std::lock_guard lock(mu);
        if (auto it = active.find(u.id); it != active.end() && !it->second->busy) active.erase(it);
      }
      storage.remove_set_aside();  // left by a stop before their removal
      auto gone = rules.sweep();
      std::lock_guard lock(mu);
      for (const auto& sha : gone) {
        if (!finishing.contains(sha)) storage.remove_blob(sha);
      }
      if (!gone.empty()) spdlog::info("files: reclaimed {} unused blobs", gone.size());
    } catch (const std::exception& e) {
      spdlog::error("sweeping files failed: {}", e.what());
    }
  }

  // Blobs on disk without a row: a stop between the rename into place and the commit of the row
  // leaves one. Looked for once, at start; an hour's age keeps clear of anything being finished.
  void remove_orphans() {
    try {
      int removed = 0;
      for (const auto& sha :
           storage.blobs_older_than(fs::file_time_type::clock::now() - std::chrono::hours(1))) {
        std::lock_guard lock(mu);
        if (finishing.contains(sha) || rules.known_blob(sha)) continue;
        storage.remove_blob(sha);
        ++removed;
      }
      if (removed) spdlog::info("files: removed {} blobs without a record", removed);
    } catch (const std::exception& e) {
      spdlog::error("looking for orphaned files failed: {}", e.what());
    }
  }

  void run_sweeper() {
    std::unique_lock lock(sweep_mu);
    while (!stopping) {
      sweep_cv.wait_for(lock, std::chrono::duration<double>(options.sweep_seconds));
      if (stopping) break;
      lock.unlock();
      sweep();
      lock.lock();
    }
  }
};

FilesApi::FilesApi(net::Router& router, auth::AuthService& auth, core::WorkerPool& pool,
                   core::WorkerPool& media, core::FairQueue& heavy, chat::FileRules& rules,
                   media::Storage& storage, const ApiOptions& api, FilesApiOptions options)
    : impl_(std::make_shared<Impl>(auth, pool, media, heavy, rules, storage, api, options)) {
  auto impl = impl_;
  router.add("POST", std::string(kUploads), [impl](auto req, net::Reply reply) {
    impl->authed(
        std::move(req), std::move(reply),
        [impl](const HttpRequest& r, const auth::Authenticated& w) { return impl->create(r, w); });
  });
  router.add_prefix("GET", std::string(kUploads) + "/", [impl](auto req, net::Reply reply) {
    impl->authed(std::move(req), std::move(reply),
                 [impl](const HttpRequest& r, const auth::Authenticated& w) {
                   return impl->status(r, w, false);
                 });
  });
  router.add_prefix("DELETE", std::string(kUploads) + "/", [impl](auto req, net::Reply reply) {
    impl->authed(std::move(req), std::move(reply),
                 [impl](const HttpRequest& r, const auth::Authenticated& w) {
                   return impl->status(r, w, true);
                 });
  });
  router.add_stream("PUT", std::string(kUploads) + "/", [impl](auto req, auto decide) {
    impl->put(std::move(req), std::move(decide));
  });
  router.add_prefix("GET", std::string(kFiles), [impl](auto req, net::Reply reply) {
    impl->authed(std::move(req), std::move(reply),
                 [impl](const HttpRequest& r, const auth::Authenticated& w) {
                   return impl->download(r, w);
                 });
  });
  impl_->sweeper = std::thread([impl] {
    impl->sweep();  // what a previous run left
    impl->remove_orphans();
    impl->run_sweeper();
  });
}

FilesApi::~FilesApi() {
  {
    std::lock_guard lock(impl_->sweep_mu);
    impl_->stopping = true;
  }
  impl_->sweep_cv.notify_all();
  if (impl_->sweeper.joinable()) impl_->sweeper.join();
}

void FilesApi::sweep() {
  impl_->sweep();
}

}  // namespace parley::api
