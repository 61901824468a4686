// SqliteStore, files: uploads in progress, content-addressed blobs and the files shared from them.
#include <fmt/format.h>

#include "store/sqlite/store_impl.hpp"

namespace parley::store {
namespace {

constexpr std::string_view kUploadColumns =
    "id, user_id, room_id, name, size, created_at, touched_at, coalesce(file_id, 0), type";

Upload read_upload(const Stmt& s) {
  return Upload{s.text(0), s.id<UserId>(1), s.id<RoomId>(2), s.text(3), s.i64(4),
                s.i64(5),  s.i64(6),        s.i64(7),        s.text(8)};
}

}  // namespace

void SqliteStore::create_upload(const Upload& u) {
  impl_->write([&](Connection& c) {
    Stmt s(c,
           "INSERT INTO uploads (id, user_id, room_id, name, size, created_at, touched_at, type) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s.bind(1, u.id).bind(2, u.user).bind(3, u.room).bind(4, u.name).bind(5, u.size);
    s.bind(6, u.created_at).bind(7, u.touched_at).bind(8, u.type);
    s.run();
  });
}

std::optional<Upload> SqliteStore::find_upload(const std::string& id) {
  return impl_->read([&](Connection& c) -> std::optional<Upload> {
    Stmt s(c, fmt::format("SELECT {} FROM uploads WHERE id = ?1", kUploadColumns));
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_upload(s);
  });
}

void SqliteStore::touch_upload(const std::string& id, Millis at) {
  impl_->write([&](Connection& c) {
    Stmt s(c, "UPDATE uploads SET touched_at = max(touched_at, ?2) WHERE id = ?1");
    s.bind(1, id).bind(2, at);
    s.run();
  });
}

void SqliteStore::delete_upload(const std::string& id) {
  impl_->write([&](Connection& c) {
    Stmt s(c, "DELETE FROM uploads WHERE id = ?1");
    s.bind(1, id);
    s.run();
  });
}

int SqliteStore::pending_uploads(UserId user) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, "SELECT count(*) FROM uploads WHERE user_id = ?1 AND file_id IS NULL");
    s.bind(1, user);
    s.step();
    return static_cast<int>(s.i64(0));
  });
}

std::vector<Upload> SqliteStore::stale_uploads(Millis before) {
  return impl_->read([&](Connection& c) {
    Stmt s(c, fmt::format("SELECT {} FROM uploads WHERE touched_at < ?1", kUploadColumns));
    s.bind(1, before);
    std::vector<Upload> out;
    while (s.step()) out.push_back(read_upload(s));
    return out;
  });
}

std::int64_t SqliteStore::stored_bytes(UserId user) {
  return impl_->read([&](Connection& c) {
    // Files of deleted messages count until the sweep has reclaimed their bytes: deleting and
    // uploading again must not pass the quota.
    Stmt s(c,
           "SELECT coalesce((SELECT sum(b.size) FROM files f JOIN blobs b ON b.sha256 = f.blob "
           "WHERE f.uploader = ?1), 0) + coalesce((SELECT sum(size) FROM uploads WHERE "
           "user_id = ?1 AND file_id IS NULL), 0)");
    s.bind(1, user);
    s.step();
    return s.i64(0);
  });
}

std::optional<Blob> SqliteStore::find_blob(const std::string& sha256) {
  return impl_->read([&](Connection& c) -> std::optional<Blob> {
    Stmt s(c,
           "SELECT sha256, size, type, kind, width, height, animated, thumb, preview FROM blobs "
           "WHERE sha256 = ?1");
    s.bind(1, sha256);
    if (!s.step()) return std::nullopt;
    return Blob{s.text(0),
                s.i64(1),
                s.text(2),
                s.text(3),
                static_cast<int>(s.i64(4)),
                static_cast<int>(s.i64(5)),
                s.i64(6) != 0,
                s.i64(7) != 0,
                s.i64(8) != 0};
  });
}

FileInfo SqliteStore::add_file(const Blob& b, const Upload& u, Millis at) {
  return impl_->write([&](Connection& c) {
    Transaction tx(c);
    Stmt blob(c,
              "INSERT OR IGNORE INTO blobs (sha256, size, type, kind, width, height, animated, "
              "thumb, preview, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    blob.bind(1, b.sha256).bind(2, b.size).bind(3, b.type).bind(4, b.kind).bind(5, b.width);
    blob.bind(6, b.height).bind(7, b.animated).bind(8, b.thumb).bind(9, b.preview).bind(10, at);
    blob.run();
    Stmt file(c,
              "INSERT INTO files (blob, name, uploader, room_id, created_at) VALUES (?1, ?2, ?3, "
              "?4, ?5)");
    file.bind(1, b.sha256).bind(2, u.name).bind(3, u.user).bind(4, u.room).bind(5, at);
    file.run();
    FileId id = c.last_insert_id();
    Stmt done(c, "UPDATE uploads SET file_id = ?2, touched_at = ?3 WHERE id = ?1");
    done.bind(1, u.id).bind(2, id).bind(3, at);
    done.run();
    Stmt read(c, fmt::format("SELECT {} FROM files f JOIN blobs b ON b.sha256 = f.blob WHERE "
                             "f.id = ?1",
                             kFileInfoColumns));
    read.bind(1, id);
    read.step();
    FileInfo info = read_file_info(read);
    tx.commit();
    return info;
  });
}

std::optional<StoredFile> SqliteStore::find_file(FileId id) {
  return impl_->read([&](Connection& c) -> std::optional<StoredFile> {
    Stmt s(c, fmt::format("SELECT {}, f.blob, f.uploader, f.room_id, coalesce(f.message_id, 0), "
                          "coalesce(m.deleted, 0), f.created_at FROM files f JOIN blobs b ON "
                          "b.sha256 = f.blob LEFT JOIN messages m ON m.id = f.message_id WHERE "
                          "f.id = ?1",
                          kFileInfoColumns));
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    StoredFile f;
    f.info = read_file_info(s);
    f.sha256 = s.text(10);
    f.uploader = s.id<UserId>(11);
    f.room = s.id<RoomId>(12);
    f.message = s.id<MessageId>(13);
    f.message_deleted = s.i64(14) != 0;
    f.created_at = s.i64(15);
    return f;
  });
}

std::vector<std::string> SqliteStore::sweep_files(Millis unattached_before) {
  return impl_->write([&](Connection& c) {
    Transaction tx(c);
    Stmt files(c,
               "DELETE FROM files WHERE (message_id IS NULL AND created_at < ?1) OR message_id IN "
               "(SELECT id FROM messages WHERE deleted <> 0)");
    files.bind(1, unattached_before);
    files.run();
    std::vector<std::string> gone;
    Stmt orphans(c,
                 "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.blob = "
                 "blobs.sha256) RETURNING sha256");
    while (orphans.step()) gone.push_back(orphans.text(0));
    tx.commit();
    return gone;
  });
}

}  // namespace parley::store
