// The WebSocket framing the sessions use after the handshake: server headers, and the parser of
// client frames, including every way a client can break the protocol.
#include "net/ws_frames.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace parley::net::ws {
namespace {

// A client frame: masked with a fixed key.
std::vector<std::uint8_t> client_frame(std::uint8_t first, std::string_view payload,
                                       bool mask = true) {
  std::vector<std::uint8_t> f{first};
  std::uint8_t m = mask ? 0x80 : 0;
  if (payload.size() < 126) {
    f.push_back(static_cast<std::uint8_t>(m | payload.size()));
  } else if (payload.size() <= 0xffff) {
    f.push_back(m | 126);
    f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    f.push_back(static_cast<std::uint8_t>(payload.size()));
  } else {
    f.push_back(m | 127);
    for (int i = 0; i < 8; ++i)
      f.push_back(static_cast<std::uint8_t>(payload.size() >> (56 - 8 * i)));
  }
  const std::uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  if (mask) f.insert(f.end(), key, key + 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    f.push_back(static_cast<std::uint8_t>(payload[i]) ^ (mask ? key[i & 3] : 0));
  }
  return f;
}

TEST(WsFrames, HeadersUseTheShortestLengthForm) {
  std::uint8_t h[kMaxHeaderBytes];
  EXPECT_EQ(write_header(kText, 125, h), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 125);
  EXPECT_EQ(write_header(kText, 126, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ(write_header(kText, 70000, h), 10u);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ(h[9], 70000 & 0xff);
}

TEST(WsFrames, ParsesAWholeTextFrameInPlace) {
  Reader r(1024);
  auto f = client_frame(0x81, "hello");
  auto e = r.next(f);
  EXPECT_EQ(e.kind, Event::Kind::kText);
  EXPECT_EQ(e.payload, "hello");
  EXPECT_EQ(e.consumed, f.size());
}

TEST(WsFrames, WaitsForTheRestOfAFrame) {
  Reader r(100000);
  auto f = client_frame(0x81, std::string(70000, 'x'));
  for (std::size_t cut : {1u, 3u, 9u, 13u, 69000u}) {
    auto e = r.next(std::span(f.data(), cut));
    EXPECT_EQ(e.kind, Event::Kind::kNone) << cut;
    EXPECT_EQ(e.consumed, 0u) << cut;
  }
  EXPECT_EQ(r.next(f).payload.size(), 70000u);
}

TEST(WsFrames, ReassemblesFragmentsAroundAControlFrame) {
  Reader r(1024);
  auto a = client_frame(0x01, "hel");  // text, not final
  auto ping = client_frame(0x89, "p");
  auto b = client_frame(0x80, "lo");  // continuation, final
  auto first = r.next(a);
  EXPECT_EQ(first.kind, Event::Kind::kNone);
  EXPECT_EQ(first.consumed, a.size());
  auto p = r.next(ping);
  EXPECT_EQ(p.kind, Event::Kind::kPing);
  EXPECT_EQ(p.payload, "p");
  auto e = r.next(b);
  EXPECT_EQ(e.kind, Event::Kind::kText);
  EXPECT_EQ(e.payload, "hello");
}

TEST(WsFrames, ReadsTheCloseCodeAndReason) {
  Reader r(1024);
  auto f = client_frame(0x88, std::string("\x03\xe8") + "bye");
  auto e = r.next(f);
  EXPECT_EQ(e.kind, Event::Kind::kClose);
  EXPECT_EQ(e.code, 1000);
  EXPECT_EQ(e.payload, "bye");
  auto empty = client_frame(0x88, "");
  EXPECT_EQ(r.next(empty).code, kCloseNoStatus);
}

TEST(WsFrames, EveryProtocolBreachIsAnErrorWithItsCloseCode) {
  struct Case {
    std::vector<std::uint8_t> frame;
    std::uint16_t code;
  };
  std::vector<Case> cases = {
      {client_frame(0x81, "x", false), kCloseProtocolError},  // unmasked
      {client_frame(0xC1, "x"), kCloseProtocolError},         // RSV1 without an extension
      {client_frame(0x83, "x"), kCloseProtocolError},         // reserved data opcode
      {client_frame(0x8B, "x"), kCloseProtocolError},         // reserved control opcode
      {client_frame(0x09, "x"), kCloseProtocolError},         // fragmented ping
      {client_frame(0x89, std::string(126, 'x')), kCloseProtocolError},  // long ping
      {client_frame(0x80, "x"), kCloseProtocolError},                    // continuation of nothing
      {client_frame(0x88, "\x03"), kCloseProtocolError},                 // one-byte close
      {client_frame(0x88, "\x03\xed"), kCloseProtocolError},  // close code 1005 on the wire
      {client_frame(0x81, std::string(2000, 'x')), kCloseMessageTooBig},
  };
  for (auto& c : cases) {
    Reader r(1024);
    auto e = r.next(c.frame);
    EXPECT_EQ(e.kind, Event::Kind::kError);
    EXPECT_EQ(e.code, c.code);
    EXPECT_FALSE(e.error.empty());
  }
}

TEST(WsFrames, TooBigIsKnownFromTheHeaderAlone) {
  Reader r(1024);
  std::vector<std::uint8_t> header = {0x81, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0};  // 1 GiB claimed
  EXPECT_EQ(r.next(header).code, kCloseMessageTooBig);
  Reader fragments(1024);
  auto a = client_frame(0x01, std::string(800, 'x'));
  auto b = client_frame(0x80, std::string(800, 'x'));
  EXPECT_EQ(fragments.next(a).kind, Event::Kind::kNone);
  EXPECT_EQ(fragments.next(b).code, kCloseMessageTooBig);
}

// Chromium fragments large sends when busy: what the last fragmented message held must not count
// against the next one (it did: a 40 KB message in two frames, then a 30 KB one, was "too big").
TEST(WsFrames, AFragmentedMessageDoesNotCountAgainstTheNext) {
  Reader r(1024);
  auto a = client_frame(0x01, std::string(400, 'a'));
  auto b = client_frame(0x80, std::string(400, 'b'));
  EXPECT_EQ(r.next(a).kind, Event::Kind::kNone);
  EXPECT_EQ(r.next(b).kind, Event::Kind::kText);
  auto whole = client_frame(0x81, std::string(700, 'c'));
  auto e = r.next(whole);
  EXPECT_EQ(e.kind, Event::Kind::kText);
  EXPECT_EQ(e.payload.size(), 700u);
  auto c = client_frame(0x01, std::string(600, 'd'));
  auto d = client_frame(0x80, std::string(300, 'e'));
  EXPECT_EQ(r.next(c).kind, Event::Kind::kNone);
  auto joined = r.next(d);
  EXPECT_EQ(joined.kind, Event::Kind::kText);
  EXPECT_EQ(joined.payload, std::string(600, 'd') + std::string(300, 'e'));
}

// RFC 6455 5.2: "the minimal number of bytes MUST be used to encode the length".
TEST(WsFrames, ANonMinimalLengthIsAProtocolError) {
  Reader r16(100000);
  std::vector<std::uint8_t> short_in_16 = {0x81, 0x80 | 126, 0,   5,   1,   2,  3,
                                           4,    'h',        'e', 'l', 'l', 'o'};
  auto e = r16.next(short_in_16);
  EXPECT_EQ(e.kind, Event::Kind::kError);
  EXPECT_EQ(e.code, kCloseProtocolError);
  Reader r64(100000);
  std::vector<std::uint8_t> short_in_64 = {0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00};
  e = r64.next(short_in_64);
  EXPECT_EQ(e.kind, Event::Kind::kError);
  EXPECT_EQ(e.code, kCloseProtocolError);
}

TEST(WsFrames, ANewMessageInsideAFragmentedOneIsAnError) {
  Reader r(1024);
  auto a = client_frame(0x01, "a");
  auto b = client_frame(0x81, "b");
  r.next(a);
  EXPECT_EQ(r.next(b).kind, Event::Kind::kError);
}

}  // namespace
}  // namespace parley::net::ws
