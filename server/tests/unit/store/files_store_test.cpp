// One suite for every store's files part (uploads, blobs, files, the sweep, the quota's figures),
// on SQLite and on PostgreSQL (store_fixtures.hpp); then PostgreSQL's cluster rule: a node
// finishing an upload of some content while another sweeps it never loses the file's blob row.
#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "store/postgres/pg_store.hpp"
#include "store_fixtures.hpp"
#include "test_ids.hpp"

namespace parley::store {
namespace {

using testing::BothStoreNames;
using testing::BothStores;

template <class F>
class FilesStoreTest : public testing::StoreTest<F> {
 protected:
  void SetUp() override {
    ann = this->add_user("ann");
    room = this->add_room("channel", "General", ann.id);
  }
  Upload upload(const std::string& id, std::int64_t size, Millis at = 1000) {
    Upload u{id, ann.id, room, id + ".txt", size, at, at, 0, "text/plain"};
    this->s().create_upload(u);
    return u;
  }
  static Blob blob(const std::string& sha256, std::int64_t size) {
    return Blob{sha256, size, "image/png", "image", 640, 480, false, true, false};
  }
  void attach(FileId file, MessageId message) {
    this->sql("UPDATE files SET message_id = " + std::to_string(message.value()) +
              " WHERE id = " + std::to_string(file));
  }
  User ann;
  RoomId room;
};
TYPED_TEST_SUITE(FilesStoreTest, BothStores, BothStoreNames);

TYPED_TEST(FilesStoreTest, AnUploadIsFoundTouchedForwardAndStale) {
  auto u = this->upload("up-1", 500, 1000);
  auto found = this->s().find_upload("up-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user, this->ann.id);
  EXPECT_EQ(found->room, this->room);
  EXPECT_EQ(found->name, "up-1.txt");
  EXPECT_EQ(found->size, 500);
  EXPECT_EQ(found->created_at, 1000);
  EXPECT_EQ(found->file, 0);
  EXPECT_EQ(found->type, "text/plain");
  EXPECT_FALSE(this->s().find_upload("up-2"));

  this->s().touch_upload(u.id, 3000);
  EXPECT_EQ(this->s().find_upload(u.id)->touched_at, 3000);
  this->s().touch_upload(u.id, 2000);
  EXPECT_EQ(this->s().find_upload(u.id)->touched_at, 3000) << "never back";
  this->upload("up-2", 10, 1500);
  auto stale = this->s().stale_uploads(2000);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].id, "up-2");
  EXPECT_EQ(this->s().pending_uploads(this->ann.id), 2);
  EXPECT_EQ(this->s().stored_bytes(this->ann.id), 510) << "uploads arriving count";

  this->s().delete_upload("up-2");
  EXPECT_FALSE(this->s().find_upload("up-2"));
  EXPECT_EQ(this->s().pending_uploads(this->ann.id), 1);
}

TYPED_TEST(FilesStoreTest, AFileRecordsItsBlobOnceAndEndsItsUpload) {
  auto u1 = this->upload("up-1", 1000);
  auto u2 = this->upload("up-2", 1000);
  auto f1 = this->s().add_file(this->blob("abc", 900), u1, 2000);
  EXPECT_GT(f1.id, 0);
  EXPECT_EQ(f1.name, "up-1.txt");
  EXPECT_EQ(f1.size, 900) << "the blob's size, not the announced one";
  EXPECT_EQ(f1.type, "image/png");
  EXPECT_EQ(f1.kind, "image");
  EXPECT_EQ(f1.width, 640);
  EXPECT_EQ(f1.height, 480);
  EXPECT_FALSE(f1.animated);
  EXPECT_TRUE(f1.thumb);
  EXPECT_FALSE(f1.preview);

  auto other = this->blob("abc", 1);  // the same content again: what is known stays
  other.kind = "file";
  auto f2 = this->s().add_file(other, u2, 2500);
  EXPECT_NE(f2.id, f1.id);
  EXPECT_EQ(f2.size, 900);
  EXPECT_EQ(f2.kind, "image");

  auto b = this->s().find_blob("abc");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size, 900);
  EXPECT_EQ(b->type, "image/png");
  EXPECT_EQ(b->kind, "image");
  EXPECT_EQ(b->width, 640);
  EXPECT_EQ(b->height, 480);
  EXPECT_FALSE(b->animated);
  EXPECT_TRUE(b->thumb);
  EXPECT_FALSE(b->preview);
  EXPECT_FALSE(this->s().find_blob("def"));

  auto done = this->s().find_upload("up-1");
  EXPECT_EQ(done->file, f1.id);
  EXPECT_EQ(done->touched_at, 2000);
  EXPECT_EQ(this->s().pending_uploads(this->ann.id), 0);
  EXPECT_EQ(this->s().stored_bytes(this->ann.id), 1800) << "each file counts its blob";

  auto stored = this->s().find_file(f2.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->info.id, f2.id);
  EXPECT_EQ(stored->info.name, "up-2.txt");
  EXPECT_EQ(stored->sha256, "abc");
  EXPECT_EQ(stored->uploader, this->ann.id);
  EXPECT_EQ(stored->room, this->room);
  EXPECT_FALSE(stored->message);
  EXPECT_FALSE(stored->message_deleted);
  EXPECT_EQ(stored->created_at, 2500);
  EXPECT_FALSE(this->s().find_file(f2.id + 100));

  auto m = this->add_message(this->room, this->ann.id, "see attached");
  this->attach(f2.id, m);
  EXPECT_EQ(this->s().find_file(f2.id)->message, m);
  this->sql("UPDATE messages SET deleted = 1 WHERE id = " + std::to_string(m.value()));
  EXPECT_TRUE(this->s().find_file(f2.id)->message_deleted);
}

TYPED_TEST(FilesStoreTest, TheSweepForgetsUnusedFilesAndReturnsTheBlobsNoFileUses) {
  auto kept = this->s().add_file(this->blob("kept", 10), this->upload("u1", 10), 1000);
  auto shared_old = this->s().add_file(this->blob("shared", 20), this->upload("u2", 20), 1000);
  auto shared_kept = this->s().add_file(this->blob("shared", 20), this->upload("u3", 20), 1000);
  auto deleted = this->s().add_file(this->blob("deleted", 30), this->upload("u4", 30), 1000);
  auto old = this->s().add_file(this->blob("old", 40), this->upload("u5", 40), 1000);
  auto young = this->s().add_file(this->blob("young", 50), this->upload("u6", 50), 5000);
  auto live = this->add_message(this->room, this->ann.id, "files");
  auto gone = this->add_message(this->room, this->ann.id, "deleted");
  this->attach(kept.id, live);
  this->attach(shared_kept.id, live);
  this->attach(deleted.id, gone);
  this->sql("UPDATE messages SET deleted = 1 WHERE id = " + std::to_string(gone.value()));
  EXPECT_EQ(this->s().stored_bytes(this->ann.id), 170)
      << "a deleted message's file counts until swept";

  auto freed = this->s().sweep_files(3000);
  std::sort(freed.begin(), freed.end());
  EXPECT_EQ(freed, (std::vector<std::string>{"deleted", "old"}))
      << "'shared' is still used by a message's file";
  EXPECT_FALSE(this->s().find_file(shared_old.id));
  EXPECT_FALSE(this->s().find_file(deleted.id));
  EXPECT_FALSE(this->s().find_file(old.id));
  EXPECT_TRUE(this->s().find_file(kept.id));
  EXPECT_TRUE(this->s().find_file(shared_kept.id));
  EXPECT_TRUE(this->s().find_file(young.id)) << "not attached yet, but young";
  EXPECT_FALSE(this->s().find_blob("old"));
  EXPECT_TRUE(this->s().find_blob("shared"));
  EXPECT_EQ(this->s().stored_bytes(this->ann.id), 80);
  EXPECT_TRUE(this->s().sweep_files(3000).empty()) << "nothing twice";
  EXPECT_EQ(this->s().sweep_files(6000), (std::vector<std::string>{"young"}));
}

// Two nodes on one database: one finishes uploads of content whose only file the other is
// sweeping. Either the sweep comes first (the blob is recorded again) or the upload does (the
// sweep leaves the blob): the new file always has its blob row, and neither side fails.
TEST(PgClusterFilesTest, AnUploadFinishingWhileAnotherNodeSweepsKeepsItsBlob) {
  parley::testing::PostgresServer server;
  auto url = server.database("cluster");
  PgStore a{url};
  PgStore b{url};
  auto ann = a.create_user(NewUser{"ann", std::nullopt, "h", "Ann", false, 1});
  ASSERT_TRUE(ann);
  pg::Connection side{url};
  auto room = side.run(
                      "INSERT INTO rooms (kind, name, created_by, created_at) VALUES ('channel', "
                      "'General', $1, 1) RETURNING id",
                      ann->id)
                  .id<RoomId>(0, 0);
  const Blob blob{"c0ffee", 100, "text/plain", "file", 0, 0, false, false, false};
  for (int round = 0; round < 40; ++round) {
    // An unattached file made long ago: the sweep forgets it and, unless the upload holds the
    // blob, the blob with it.
    Upload first{"first-" + std::to_string(round), ann->id, room, "a", 100, 1, 1, 0, ""};
    a.create_upload(first);
    a.add_file(blob, first, 1);
    Upload second{"second-" + std::to_string(round), ann->id, room, "b", 100, 1, 1, 0, ""};
    b.create_upload(second);

    std::latch start(2);
    FileId made = 0;
    std::vector<std::string> freed;
    std::string failed;  // what either side threw
    std::mutex failed_mu;
    auto run = [&](auto fn) {
      return std::thread([&, fn] {
        start.arrive_and_wait();
        try {
          fn();
        } catch (const std::exception& e) {
          std::lock_guard lock(failed_mu);
          failed += e.what();
        }
      });
    };
    auto finishing = run([&] { made = b.add_file(blob, second, 5000).id; });
    auto sweeping = run([&] { freed = a.sweep_files(2000); });
    finishing.join();
    sweeping.join();
    ASSERT_EQ(failed, "") << "round " << round;
    EXPECT_LE(freed.size(), 1u);

    auto file = a.find_file(made);
    ASSERT_TRUE(file) << "round " << round << ": the file's blob row is there";
    EXPECT_EQ(file->sha256, blob.sha256);
    EXPECT_FALSE(a.find_file(made - 1)) << "round " << round << ": the old file was swept";
    EXPECT_TRUE(a.find_blob(blob.sha256));
    // Next round: this file is old and unattached too.
    side.run("DELETE FROM files WHERE id = $1", made);
  }
}

}  // namespace
}  // namespace parley::store
