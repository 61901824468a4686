#include "api/json_body.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "media/media.hpp"

namespace parley::api {
namespace json = boost::json;

json::object parse_object_text(std::string_view body) {
  if (body.empty()) throw BadRequest{"The request needs a JSON body", ""};
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) throw BadRequest{"Malformed JSON: " + ec.message(), ""};
  if (!v.is_object()) throw BadRequest{"The body must be a JSON object", ""};
  return std::move(v.as_object());
}

std::optional<std::string> opt_string(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_string())
    throw BadRequest{fmt::format("'{}' must be a string", key), std::string(key)};
  return std::string(it->value().as_string());
}

std::string req_string(const json::object& o, std::string_view key) {
  auto v = opt_string(o, key);
  if (!v) throw BadRequest{fmt::format("'{}' is required", key), std::string(key)};
  return *v;
}

UploadRequest parse_upload_request(std::string_view text) {
  auto body = parse_object_text(text);
  auto room = body.if_contains("room");
  auto size = body.if_contains("size");
  if (!room || !room->is_int64() || room->as_int64() < 1)
    throw BadRequest{"'room' must be a room id", "room"};
  if (!size || !size->is_int64() || size->as_int64() < 0)
    throw BadRequest{"'size' must be a number of bytes", "size"};
  UploadRequest r;
  r.room = RoomId{room->as_int64()};
  r.size = size->as_int64();
  r.name = media::clean_name(req_string(body, "name"));
  // The declared type only picks audio or video for shared containers (media::Storage::finish).
  r.declared_type = opt_string(body, "type").value_or("");
  if (r.declared_type.size() >= 128) r.declared_type.clear();
  return r;
}

std::optional<std::int64_t> parse_offset(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace parley::api
