// The PostgreSQL store's files: uploads still arriving, content-addressed blobs and the files
// people shared from them, as SQLite's (sqlite/files_store.cpp). On a cluster a node may finish an
// upload of some content while another sweeps it: the blob row's lock decides which comes first.
#include <fmt/format.h>

#include "store/postgres/pg.hpp"
#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/pg_store_impl.hpp"

namespace parley::store {
namespace {

using pg::Connection;
using pg::Transaction;

constexpr std::string_view kUploadColumns =
    "id, user_id, room_id, name, size, created_at, touched_at, coalesce(file_id, 0), type";

Upload read_upload(const pg::Result& r, int row) {
  return Upload{r.text(row, 0), r.id<UserId>(row, 1), r.id<RoomId>(row, 2),
                r.text(row, 3), r.i64(row, 4),        r.i64(row, 5),
                r.i64(row, 6),  r.i64(row, 7),        r.text(row, 8)};
}

int flag(bool b) {
  return b ? 1 : 0;
}

// Records the blob unless known, and holds its row (FOR KEY SHARE, as the file's foreign key
// would) until the transaction ends, so a sweep on another node skips it. A sweep that deleted the
// row between the two statements has committed by the time the lock is granted: insert again.
void hold_blob(Connection& c, const Blob& b, Millis at) {
  for (;;) {
    c.run(
        "INSERT INTO blobs (sha256, size, type, kind, width, height, animated, thumb, preview, "
        "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (sha256) DO "
        "NOTHING",
        b.sha256, b.size, b.type, b.kind, b.width, b.height, flag(b.animated), flag(b.thumb),
        flag(b.preview), at);
    if (c.run("SELECT 1 FROM blobs WHERE sha256 = $1 FOR KEY SHARE", b.sha256).rows() > 0) return;
  }
}

}  // namespace

void PgStore::create_upload(const Upload& u) {
  auto c = impl_->pool.take();
  c->run(
      "INSERT INTO uploads (id, user_id, room_id, name, size, created_at, touched_at, type) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      u.id, u.user, u.room, u.name, u.size, u.created_at, u.touched_at, u.type);
}

std::optional<Upload> PgStore::find_upload(const std::string& id) {
  auto c = impl_->pool.take();
  auto r = c->run(fmt::format("SELECT {} FROM uploads WHERE id = $1", kUploadColumns), id);
  if (r.rows() == 0) return std::nullopt;
  return read_upload(r, 0);
}

void PgStore::touch_upload(const std::string& id, Millis at) {
  auto c = impl_->pool.take();
  c->run("UPDATE uploads SET touched_at = greatest(touched_at, $2) WHERE id = $1", id, at);
}

void PgStore::delete_upload(const std::string& id) {
  auto c = impl_->pool.take();
  c->run("DELETE FROM uploads WHERE id = $1", id);
}

std::vector<Upload> PgStore::stale_uploads(Millis before) {
  auto c = impl_->pool.take();
  auto r =
      c->run(fmt::format("SELECT {} FROM uploads WHERE touched_at < $1", kUploadColumns), before);
  std::vector<Upload> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_upload(r, i));
  return out;
}

std::int64_t PgStore::stored_bytes(UserId user) {
  auto c = impl_->pool.take();
  // Files of deleted messages count until the sweep has reclaimed their bytes: deleting and
  // uploading again must not pass the quota.
  return c
      ->run(
          "SELECT coalesce((SELECT sum(b.size) FROM files f JOIN blobs b ON b.sha256 = f.blob "
          "WHERE f.uploader = $1), 0) + coalesce((SELECT sum(size) FROM uploads WHERE user_id = $1 "
          "AND file_id IS NULL), 0)",
          user)
      .i64(0, 0);
}

int PgStore::pending_uploads(UserId user) {
  auto c = impl_->pool.take();
  return static_cast<int>(
      c->run("SELECT count(*) FROM uploads WHERE user_id = $1 AND file_id IS NULL", user)
          .i64(0, 0));
}

std::optional<Blob> PgStore::find_blob(const std::string& sha256) {
  auto c = impl_->pool.take();
  auto r = c->run(
      "SELECT sha256, size, type, kind, width, height, animated, thumb, preview FROM blobs WHERE "
      "sha256 = $1",
      sha256);
  if (r.rows() == 0) return std::nullopt;
  return Blob{r.text(0, 0),
              r.i64(0, 1),
              r.text(0, 2),
              r.text(0, 3),
              static_cast<int>(r.i64(0, 4)),
              static_cast<int>(r.i64(0, 5)),
              r.i64(0, 6) != 0,
              r.i64(0, 7) != 0,
              r.i64(0, 8) != 0};
}

FileInfo PgStore::add_file(const Blob& b, const Upload& u, Millis at) {
  auto c = impl_->pool.take();
  Transaction tx(*c);
  hold_blob(*c, b, at);
  FileId id = c->run(
                   "INSERT INTO files (blob, name, uploader, room_id, created_at) VALUES ($1, $2, "
                   "$3, $4, $5) RETURNING id",
                   b.sha256, u.name, u.user, u.room, at)
                  .i64(0, 0);
  c->run("UPDATE uploads SET file_id = $2, touched_at = $3 WHERE id = $1", u.id, id, at);
  auto r = c->run(fmt::format("SELECT {} FROM files f JOIN blobs b ON b.sha256 = f.blob WHERE f.id "
                              "= $1",
                              pg::kFileInfoColumns),
                  id);
  FileInfo info = pg::read_file_info(r, 0);
  tx.commit();
  return info;
}

std::optional<StoredFile> PgStore::find_file(FileId id) {
  auto c = impl_->pool.take();
  auto r = c->run(fmt::format("SELECT {}, f.blob, f.uploader, f.room_id, coalesce(f.message_id, "
                              "0), coalesce(m.deleted, 0), f.created_at FROM files f JOIN blobs b "
                              "ON b.sha256 = f.blob LEFT JOIN messages m ON m.id = f.message_id "
                              "WHERE f.id = $1",
                              pg::kFileInfoColumns),
                  id);
  if (r.rows() == 0) return std::nullopt;
  return StoredFile{
      pg::read_file_info(r, 0), r.text(0, 10),     r.id<UserId>(0, 11), r.id<RoomId>(0, 12),
      r.id<MessageId>(0, 13),   r.i64(0, 14) != 0, r.i64(0, 15)};
}

std::vector<std::string> PgStore::sweep_files(Millis unattached_before) {
  auto c = impl_->pool.take();
  Transaction tx(*c);
  c->run(
      "DELETE FROM files WHERE (message_id IS NULL AND created_at < $1) OR message_id IN (SELECT "
      "id FROM messages WHERE deleted <> 0)",
      unattached_before);
  // Lock the blobs no file seems to use, skipping those an add_file holds; then delete those that
  // still have no file in a statement begun after the locks, so it sees every file committed
  // before them (an add_file that commits later waits for this transaction and records the blob
  // again).
  auto unused = c->exec(
      "SELECT b.sha256 FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.blob = "
      "b.sha256) FOR UPDATE SKIP LOCKED");
  std::vector<std::string> gone;
  if (unused.rows() > 0) {
    std::vector<std::string> hashes;
    for (int i = 0; i < unused.rows(); ++i) hashes.push_back(unused.text(i, 0));
    auto r = c->run(
        "DELETE FROM blobs b WHERE b.sha256 = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM files "
        "f WHERE f.blob = b.sha256) RETURNING b.sha256",
        pg::text_array(hashes));
    for (int i = 0; i < r.rows(); ++i) gone.push_back(r.text(i, 0));
  }
  tx.commit();
  return gone;
}

}  // namespace parley::store
