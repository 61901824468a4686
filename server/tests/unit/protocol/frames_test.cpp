// The wire contract against the shared examples in docs/protocol-examples, which the client's
// tests decode too, so the two sides cannot drift. Decoding client frames: gateway/gateway_test.
#include "protocol/frames.hpp"
#include "protocol/rtc_frames.hpp"
#include "test_ids.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "protocol_examples.hpp"

namespace parley::protocol {
namespace {
namespace json = boost::json;

using parley::testing::example;

TEST(Frames, EncodesTheServerExamples) {
  store::RoomSummary general;
  general.room =
      store::Room{3_room, store::RoomKind::kChannel, "general", "Anything goes", 1_user, 42};
  general.me = store::Membership{3_room, 1_user, true, 40, 42};
  general.unread = 2;
  general.mentions = 1;
  general.members = 5;
  general.last_at = 1764140000000;
  EXPECT_EQ(json::parse(encode_hello("0.2.0", {1_user, "alice", "Alice", 0, {}}, {general}, {})),
            json::parse(example("server.hello.json")));
  EXPECT_EQ(json::parse(encode_pong(std::string("5f0c1d2e-0001"))),
            json::parse(example("server.pong.json")));
  auto err = unknown_type("dance", std::string("5f0c1d2e-0002"));
  EXPECT_EQ(json::parse(encode_error(err)), json::parse(example("server.error.json")));
}

TEST(Frames, EncodesALiveMessageEventAsDocumented) {
  store::Event e;
  e.room = 3_room;
  e.seq = 42;
  e.kind = store::EventKind::kMessage;
  e.at = 1764140000000;
  e.user = 1_user;
  e.username = "alice";
  e.message = 118_msg;
  e.text = "hi @bob";
  e.mentions = {2_user};
  EXPECT_EQ(json::parse(encode_event(e)), json::parse(example("server.event.json")));
  EXPECT_EQ(json::parse(encode_ack(std::string("c-17"), chat::Ack{3_room, 42, 118_msg})),
            json::parse(example("server.ack.json")));
}

TEST(Frames, EncodesTheCallExamples) {
  rtc::Call c;
  c.id = "b7e2c0d4a9f1e3c5";
  c.room = 3_room;
  c.direct = true;
  c.caller = 1_user;
  c.started = 1764140000000;
  c.video = true;
  c.ringing = {2_user};
  rtc::Peer p;
  p.id = "p-4f1c9a2b";
  p.user = 1_user;
  p.username = "alice";
  p.since = 1764140000000;
  p.media = rtc::Media{true, true, false};
  c.peers.push_back(p);
  EXPECT_EQ(json::parse(encode_call_state(3_room, &c)),
            json::parse(example("server.call_state.json")));
  std::vector<rtc::IceServer> ice{{{"stun:stun.example.org:3478"}, "", ""},
                                  {{"turn:turn.example.org:3478?transport=udp"},
                                   "1764226400:1",
                                   rtc::turn_credential("coturn-shared-secret", "1764226400:1")}};
  EXPECT_EQ(json::parse(encode_call_joined("c-29", c, ice)),
            json::parse(example("server.call_joined.json")));
  EXPECT_EQ(
      json::parse(encode_call_signal(
          3_room, "p-4f1c9a2b", 1_user,
          R"({"candidate":{"candidate":"candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host","sdpMid":"0","sdpMLineIndex":0}})")),
      json::parse(example("server.call_signal.json")));
  EXPECT_EQ(json::parse(encode_call_dropped(3_room, "p-4f1c9a2b", "taken")),
            json::parse(example("server.call_dropped.json")));
  store::Event e;
  e.room = 3_room;
  e.seq = 57;
  e.kind = store::EventKind::kCall;
  e.at = 1764140065000;
  e.user = 1_user;
  e.username = "alice";
  e.text = "ended";
  e.on = true;
  e.duration = 61000;
  EXPECT_EQ(json::parse(encode_event(e)), json::parse(example("server.call_event.json")));
}

TEST(Frames, EncodesTheTransferExamples) {
  rtc::Transfer t;
  t.id = "t-6b1f0c9e2a";
  t.room = 3_room;
  t.from = 1_user;
  t.from_name = "alice";
  t.name = "holiday.mov";
  t.size = 1073741824;
  t.mime = "video/quicktime";
  EXPECT_EQ(json::parse(encode_transfer_offer(t)),
            json::parse(example("server.transfer_offer.json")));
  EXPECT_EQ(json::parse(encode_transfer_answer("t-6b1f0c9e2a", true)),
            json::parse(example("server.transfer_answer.json")));
  EXPECT_EQ(json::parse(encode_transfer_signal(
                "t-6b1f0c9e2a", R"({"description":{"type":"offer","sdp":"v=0\r\n"}})")),
            json::parse(example("server.transfer_signal.json")));
  EXPECT_EQ(json::parse(encode_transfer_closed("t-6b1f0c9e2a", "cancelled")),
            json::parse(example("server.transfer_closed.json")));
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
