// Envelope parsing and field checks with Boost.JSON: every malformed input becomes a FrameError,
// never an exception, and every field is checked for type and range before a command exists.
#include "protocol/fields.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace parley::protocol {
namespace json = boost::json;
namespace {

constexpr std::int64_t kMaxId = (std::int64_t{1} << 53);  // exact in a JavaScript number

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

std::optional<std::int64_t> as_integer(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v.as_uint64());
  }
  return std::nullopt;
}

}  // namespace

std::optional<Id> Fields::raw_id(const char* name, bool required) {
  auto v = integer(name, required);
  if (v && (*v < 1 || *v > kMaxId)) return fail(name, fmt::format("'{}' must be an id", name));
  return v;
}

std::optional<std::int64_t> Fields::opt_int(const char* name, std::int64_t lo, std::int64_t hi,
                                            bool required) {
  auto v = integer(name, required);
  if (v && (*v < lo || *v > hi)) {
    return fail(name, fmt::format("'{}' must be {} to {}", name, lo, hi));
  }
  return v;
}

std::optional<std::string> Fields::opt_str(const char* name, bool required) {
  const json::value* v = find(name, required);
  if (!v) return std::nullopt;
  if (!v->is_string()) return fail(name, fmt::format("'{}' must be a string", name));
  return std::string(v->as_string());
}

std::optional<bool> Fields::opt_bool(const char* name) {
  const json::value* v = find(name, false);
  if (!v) return std::nullopt;
  if (!v->is_bool()) return fail(name, fmt::format("'{}' must be true or false", name));
  return v->as_bool();
}

std::string Fields::object_text(const char* name, std::size_t max_bytes) {
  const json::value* v = find(name, true);
  if (!v) return {};
  if (!v->is_object()) {
    fail(name, fmt::format("'{}' must be an object", name));
    return {};
  }
  std::string text = json::serialize(*v);
  if (text.size() > max_bytes) {
    fail(name, fmt::format("'{}' must be at most {} bytes", name, max_bytes));
    return {};
  }
  return text;
}

std::vector<Id> Fields::raw_ids(const char* name, std::size_t max) {
  const json::value* v = find(name, false);
  if (!v) return {};
  if (!v->is_array() || v->as_array().size() > max) {
    fail(name, fmt::format("'{}' must be a list of at most {} ids", name, max));
    return {};
  }
  std::vector<Id> out;
  for (const auto& item : v->as_array()) {
    auto n = as_integer(item);
    if (!n || *n < 1 || *n > kMaxId) {
      fail(name, fmt::format("'{}' must be a list of ids", name));
      return {};
    }
    out.push_back(*n);
  }
  return out;
}

std::nullopt_t Fields::fail(const char* field, std::string message) {
  if (!problem_) problem_ = error("invalid", std::move(message), cid_, field);
  return std::nullopt;
}

const json::value* Fields::find(const char* name, bool required) {
  auto it = o_.find(name);
  if (it == o_.end() || it->value().is_null()) {
    if (required) fail(name, fmt::format("'{}' is required", name));
    return nullptr;
  }
  return &it->value();
}

std::optional<std::int64_t> Fields::integer(const char* name, bool required) {
  const json::value* v = find(name, required);
  if (!v) return std::nullopt;
  auto n = as_integer(*v);
  if (!n) return fail(name, fmt::format("'{}' must be an integer", name));
  return n;
}

std::variant<ClientFrame, FrameError> ClientFrame::parse(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  auto v = std::make_shared<json::value>(json::parse(text, ec, {}, opts));
  if (ec) return error("malformed", "The frame is not valid JSON: " + ec.message());
  if (!v->is_object()) return error("malformed", "A frame is a JSON object");
  const auto& o = v->as_object();
  auto cid_or_error = read_cid(o);
  if (auto* e = std::get_if<FrameError>(&cid_or_error)) return std::move(*e);
  ClientFrame f;
  f.cid_ = std::get<std::optional<std::string>>(std::move(cid_or_error));
  auto type = o.find("type");
  if (type == o.end() || !type->value().is_string()) {
    return error("invalid", "'type' is required and must be a string", f.cid_, "type");
  }
  const auto& name = type->value().as_string();
  f.type_ = std::string_view(name.data(), name.size());
  f.value_ = std::move(v);
  return f;
}

Fields ClientFrame::fields() const {
  return Fields(value_->as_object(), cid_);
}

FrameError unknown_type(std::string_view type, const Cid& cid) {
  std::string shown(type.substr(0, 40));
  return error("unknown_type", fmt::format("Unknown frame type '{}'", shown), cid, "type");
}

FrameError cid_required(const Cid& cid) {
  return error("invalid", "This command needs a 'cid' (a unique id for it)", cid, "cid");
}

}  // namespace parley::protocol
