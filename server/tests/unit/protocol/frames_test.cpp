// The wire contract against the shared examples in docs/protocol-examples, which the client's
// tests decode too, so the two sides cannot drift.
#include "protocol/frames.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <sstream>

namespace parley::protocol {
namespace {
namespace json = boost::json;

std::string example(const std::string& name) {
  std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/docs/protocol-examples/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Frames, DecodesTheClientPingExample) {
  auto out = decode(example("client.ping.json"));
  ASSERT_TRUE(std::holds_alternative<Command>(out));
  const auto& ping = std::get<Ping>(std::get<Command>(out));
  EXPECT_EQ(ping.cid, "5f0c1d2e-0001");
}

TEST(Frames, EncodesTheServerExamples) {
  store::RoomSummary general;
  general.room = store::Room{3, store::RoomKind::kChannel, "general", "Anything goes", 1, 42};
  general.me = store::Membership{3, 1, true, 40, 42};
  general.unread = 2;
  general.mentions = 1;
  general.members = 5;
  general.last_at = 1764140000000;
  EXPECT_EQ(json::parse(encode_hello("0.2.0", {1, "alice", "Alice", 0, {}}, {general})),
            json::parse(example("server.hello.json")));
  EXPECT_EQ(json::parse(encode_pong(std::string("5f0c1d2e-0001"))),
            json::parse(example("server.pong.json")));
  auto err = std::get<FrameError>(decode(R"({"type":"dance","cid":"5f0c1d2e-0002"})"));
  EXPECT_EQ(json::parse(encode_error(err)), json::parse(example("server.error.json")));
}

TEST(Frames, EveryInvalidExampleGetsItsErrorCode) {
  auto cases = json::parse(example("invalid-client-frames.json")).as_array();
  ASSERT_GE(cases.size(), 10u);
  for (const auto& c : cases) {
    const auto& o = c.as_object();
    std::string frame(o.at("frame").as_string());
    auto out = decode(frame);
    ASSERT_TRUE(std::holds_alternative<FrameError>(out)) << frame;
    const auto& e = std::get<FrameError>(out);
    EXPECT_EQ(e.code, o.at("code").as_string()) << frame;
    EXPECT_FALSE(e.message.empty()) << frame;
    if (o.contains("field")) {
      EXPECT_EQ(e.field, o.at("field").as_string()) << frame;
    }
    if (o.contains("cid")) {
      EXPECT_EQ(e.cid, std::string(o.at("cid").as_string())) << frame;
    } else {
      EXPECT_FALSE(e.cid) << frame;
    }
  }
}

TEST(Frames, EveryClientCommandExampleDecodes) {
  auto cases = json::parse(example("client-commands.json")).as_array();
  // One example per frame type; `read` and `received` both decode to Mark.
  ASSERT_EQ(cases.size(), std::variant_size_v<Command> + 1);
  std::vector<bool> seen(std::variant_size_v<Command>);
  for (const auto& c : cases) {
    auto out = decode(json::serialize(c));
    ASSERT_TRUE(std::holds_alternative<Command>(out))
        << json::serialize(c) << ": " << std::get<FrameError>(out).message;
    seen[std::get<Command>(out).index()] = true;
  }
  for (bool s : seen) EXPECT_TRUE(s);
  auto post = std::get<Post>(std::get<Command>(decode(json::serialize(cases[12]))));
  EXPECT_EQ(post.cid, "c-12");
  EXPECT_EQ(post.room, 3);
  EXPECT_EQ(post.text, "hi @bob");
  EXPECT_EQ(post.reply_to, 117);
  EXPECT_EQ(post.files, (std::vector<Id>{12, 13}));
}

TEST(Frames, EncodesALiveMessageEventAsDocumented) {
  store::Event e;
  e.room = 3;
  e.seq = 42;
  e.kind = store::EventKind::kMessage;
  e.at = 1764140000000;
  e.user = 1;
  e.username = "alice";
  e.message = 118;
  e.text = "hi @bob";
  e.mentions = {2};
  EXPECT_EQ(json::parse(encode_event(e)), json::parse(example("server.event.json")));
  EXPECT_EQ(json::parse(encode_ack(std::string("c-17"), chat::Ack{3, 42, 118})),
            json::parse(example("server.ack.json")));
}

TEST(Frames, HostileInputNeverThrows) {
  std::string deep(100000, '[');
  EXPECT_TRUE(std::holds_alternative<FrameError>(decode(deep)));
  EXPECT_TRUE(std::holds_alternative<FrameError>(decode(std::string("\0\xff\xfe", 3))));
  std::string long_type = R"({"type":")" + std::string(100000, 'x') + R"("})";
  auto e = std::get<FrameError>(decode(long_type));
  EXPECT_LT(e.message.size(), 100u) << "the error does not echo unbounded input";
}

}  // namespace
}  // namespace parley::protocol
