// The wire contract against the shared examples in docs/protocol-examples, which the client's
// tests decode too, so the two sides cannot drift. Decoding client frames: gateway/gateway_test.
#include "protocol/frames.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol_examples.hpp"

namespace parley::protocol {
namespace {
namespace json = boost::json;

using parley::testing::example;

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
  auto err = unknown_type("dance", std::string("5f0c1d2e-0002"));
  EXPECT_EQ(json::parse(encode_error(err)), json::parse(example("server.error.json")));
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
  EXPECT_TRUE(std::holds_alternative<FrameError>(ClientFrame::parse(deep)));
  EXPECT_TRUE(std::holds_alternative<FrameError>(ClientFrame::parse(std::string("\0\xff\xfe", 3))));
  std::string long_type(100000, 'x');
  auto e = unknown_type(long_type, std::nullopt);
  EXPECT_LT(e.message.size(), 100u) << "the error does not echo unbounded input";
}

}  // namespace
}  // namespace parley::protocol
