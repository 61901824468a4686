// The envelope every client frame shares (a JSON object with a `type` and an optional `cid`), and
// the checked reading of a command's fields. Modules decode their own commands through `Fields`;
// the first problem found is what the client hears, as a FrameError.
#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace parley::protocol {

inline constexpr std::size_t kMaxClientIdLength = 64;

using Id = std::int64_t;
using Cid = std::optional<std::string>;

// Why a frame could not be decoded or a command was refused: sent back as an error frame, the
// socket stays open.
struct FrameError {
  std::string code;  // docs/protocol.md lists them
  std::string message;
  std::optional<std::string> cid;  // when the frame carried a readable one
  std::string field;               // the offending field, when there is one
};

// Reads the fields of one command; the first problem is kept and reported.
class Fields {
 public:
  Fields(const boost::json::object& o, Cid cid) : o_(o), cid_(std::move(cid)) {}

  const std::optional<FrameError>& problem() const { return problem_; }
  const Cid& cid() const { return cid_; }
  // The cid of a command that must have one (the registry has checked it is there).
  std::string required_cid() const { return cid_.value_or(""); }

  // Ids are decoded as the kind the caller names (RoomId, UserId...; a bare number by default).
  template <class T = Id>
  T id(const char* name) {
    return T{raw_id(name, true).value_or(0)};
  }
  template <class T = Id>
  std::optional<T> opt_id(const char* name, bool required = false) {
    auto v = raw_id(name, required);
    if (!v) return std::nullopt;
    return T{*v};
  }
  std::optional<std::int64_t> opt_int(const char* name, std::int64_t lo, std::int64_t hi,
                                      bool required = false);
  std::string str(const char* name) { return opt_str(name, true).value_or(""); }
  std::optional<std::string> opt_str(const char* name, bool required = false);
  std::optional<bool> opt_bool(const char* name);
  template <class T = Id>
  std::vector<T> ids(const char* name, std::size_t max) {
    std::vector<T> out;
    for (Id v : raw_ids(name, max)) out.push_back(T{v});
    return out;
  }
  // A JSON object, serialized again (so what is relayed is well-formed JSON), of at most
  // `max_bytes`.
  std::string object_text(const char* name, std::size_t max_bytes);

  std::nullopt_t fail(const char* field, std::string message);
  // The frame as received (a module that hands a command to another node sends it on).
  const boost::json::object& object() const { return o_; }

 private:
  const boost::json::value* find(const char* name, bool required);
  std::optional<std::int64_t> integer(const char* name, bool required);
  std::optional<Id> raw_id(const char* name, bool required);
  std::vector<Id> raw_ids(const char* name, std::size_t max);

  const boost::json::object& o_;
  Cid cid_;
  std::optional<FrameError> problem_;
};

// A client frame whose envelope is valid: a JSON object, a string `type`, a well-formed `cid`.
class ClientFrame {
 public:
  static std::variant<ClientFrame, FrameError> parse(std::string_view text);
  std::string_view type() const { return type_; }
  const Cid& cid() const { return cid_; }
  // A reader of this frame's fields (valid while the frame lives).
  Fields fields() const;

 private:
  std::shared_ptr<const boost::json::value> value_;
  std::string_view type_;  // inside value_
  Cid cid_;
};

FrameError unknown_type(std::string_view type, const Cid& cid);
FrameError cid_required(const Cid& cid);

}  // namespace parley::protocol
