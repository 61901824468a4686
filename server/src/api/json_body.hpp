// Internal to api/: reading a REST request's JSON body and an upload's headers, with no HTTP or
// Beast types, so libFuzzer can drive them (server/fuzz/upload_fuzz.cpp). Problems are thrown as
// BadRequest, which the handlers answer as a 400 naming the field.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace parley::api {

struct BadRequest {
  std::string message;
  std::string field;
};

// A JSON object (depth at most 16), or BadRequest saying what is wrong.
boost::json::object parse_object_text(std::string_view body);
std::optional<std::string> opt_string(const boost::json::object& o, std::string_view key);
std::string req_string(const boost::json::object& o, std::string_view key);

// POST /api/uploads: {room, size, name, type?}. The name is cleaned (media::clean_name); a declared
// type of 128 bytes or more is dropped.
struct UploadRequest {
  RoomId room{};
  std::int64_t size = 0;
  std::string name;
  std::string declared_type;
};
UploadRequest parse_upload_request(std::string_view body);

// An Upload-Offset header: a non-negative decimal integer, nothing else.
std::optional<std::int64_t> parse_offset(std::string_view header);

}  // namespace parley::api
