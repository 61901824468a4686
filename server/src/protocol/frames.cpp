// Frame decoding with Boost.JSON: every malformed input becomes a FrameError, never an exception.
#include "protocol/frames.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace parley::protocol {
namespace json = boost::json;
namespace {

FrameError error(std::string code, std::string message, std::optional<std::string> cid = {},
                 std::string field = {}) {
  return FrameError{std::move(code), std::move(message), std::move(cid), std::move(field)};
}

// The cid of a frame, if it has a usable one; a bad one is reported as an error.
std::variant<std::optional<std::string>, FrameError> read_cid(const json::object& o) {
  auto it = o.find("cid");
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string()) return error("invalid", "'cid' must be a string", {}, "cid");
  const auto& s = it->value().as_string();
  if (s.empty() || s.size() > kMaxClientIdLength) {
    return error("invalid", fmt::format("'cid' must be 1 to {} characters", kMaxClientIdLength), {},
                 "cid");
  }
  for (unsigned char c : s) {
    if (c < 0x21 || c > 0x7e) return error("invalid", "'cid' must be printable ASCII", {}, "cid");
  }
  return std::optional<std::string>(std::string(s));
}

}  // namespace

std::variant<Command, FrameError> decode(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) return error("malformed", "The frame is not valid JSON: " + ec.message());
  if (!v.is_object()) return error("malformed", "A frame is a JSON object");
  const auto& o = v.as_object();
  auto cid_or_error = read_cid(o);
  if (auto* e = std::get_if<FrameError>(&cid_or_error)) return std::move(*e);
  auto cid = std::get<std::optional<std::string>>(std::move(cid_or_error));

  auto type = o.find("type");
  if (type == o.end() || !type->value().is_string()) {
    return error("invalid", "'type' is required and must be a string", cid, "type");
  }
  const auto& name = type->value().as_string();
  if (name == "ping") return Command{Ping{cid}};
  std::string shown(name.data(), std::min<std::size_t>(name.size(), 40));
  return error("unknown_type", fmt::format("Unknown frame type '{}'", shown), cid, "type");
}

std::string encode_hello(std::string_view version) {
  return json::serialize(
      json::object{{"type", "hello"}, {"server", "parley"}, {"version", version}});
}

std::string encode_pong(const std::optional<std::string>& cid) {
  json::object o{{"type", "pong"}};
  if (cid) o["cid"] = *cid;
  return json::serialize(o);
}

std::string encode_error(const FrameError& e) {
  json::object o{{"type", "error"}, {"code", e.code}, {"message", e.message}};
  if (e.cid) o["cid"] = *e.cid;
  if (!e.field.empty()) o["field"] = e.field;
  return json::serialize(o);
}

}  // namespace parley::protocol
