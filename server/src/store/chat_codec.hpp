// How both stores (sqlite/, postgres/) keep chat values in their tables: room kinds as text, the
// columns an event's kind-specific fields go into (id lists as sql_text.hpp's); and which short
// search terms have words to start. Internal to store/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/chat.hpp"
#include "store/sql_text.hpp"

namespace parley::store::codec {

inline std::string_view kind_name(RoomKind k) {
  switch (k) {
    case RoomKind::kChannel:
      return "channel";
    case RoomKind::kPrivate:
      return "private";
    case RoomKind::kDirect:
      return "direct";
  }
  return "channel";
}

inline RoomKind kind_of(std::string_view s) {
  if (s == "private") return RoomKind::kPrivate;
  if (s == "direct") return RoomKind::kDirect;
  return RoomKind::kChannel;
}

// An event's kind-specific fields, as the events table's ref, flag and extra columns hold them
// (read back by each store's read_event).
struct EventColumns {
  std::int64_t ref = 0;   // reply_to, call duration, or the target user
  std::int64_t flag = 0;  // the created room's kind, or `on`
  std::string extra;      // mentions, the muted-until time, or the topic
};

inline EventColumns columns_of(const Event& e) {
  EventColumns c;
  c.ref = e.kind == EventKind::kMessage ? e.reply_to.value()
          : e.kind == EventKind::kCall  ? e.duration
                                        : e.target.value();
  c.flag =
      e.kind == EventKind::kCreated ? static_cast<std::int64_t>(e.room_kind) : std::int64_t{e.on};
  c.extra = e.kind == EventKind::kMessage       ? join_ids(e.mentions)
            : e.kind == EventKind::kMemberMuted ? std::to_string(e.until)
                                                : e.topic;
  return c;
}

// Whether a short search term can be looked up as the start of a word: no code point of a script
// written without spaces (CJK ideographs, kana, Hangul), whose text has no words to start.
inline bool word_term(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto ch = static_cast<unsigned char>(s[i]);
    if (ch < 0x80) {
      bool alnum = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
      if (!alnum) return false;  // punctuation: no word to look up
      ++i;
      continue;
    }
    int len = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : 2;
    std::uint32_t cp = ch & (0xFF >> (len + 1));
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    if ((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
        (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF) || cp >= 0x20000) {
      return false;
    }
    i += static_cast<std::size_t>(len);
  }
  return true;
}

}  // namespace parley::store::codec
