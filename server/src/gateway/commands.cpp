// The registry's uniform rules, and how a call answers.
#include "gateway/commands.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "protocol/frames.hpp"

namespace parley::gateway {

void Call::refuse(const core::Error& error) const {
  send(protocol::encode_error(protocol::refusal(error, cid_)));
}

void Call::read(std::function<core::Result<std::string>()> read) const {
  socket_->read_in_turn(*pool_, [call = *this, read = std::move(read)] {
    try {
      auto answer = read();
      if (answer) {
        if (!answer->empty()) call.send(std::move(*answer));  // empty: answered elsewhere
      } else {
        call.refuse(answer.error());
      }
    } catch (const std::exception& e) {
      spdlog::error("read for {} failed: {}", call.who().username, e.what());
      call.send(protocol::encode_error(
          protocol::FrameError{"internal", "The server failed; try again", call.cid(), ""}));
    }
  });
}

void Commands::add(std::string type, CidRule rule, Decoder decoder) {
  if (!entries_.emplace(type, Entry{rule, std::move(decoder)}).second) {
    throw std::logic_error("frame type registered twice: " + type);
  }
}

std::variant<Commands::Decoded, protocol::FrameError> Commands::decode(
    std::string_view text) const {
  auto parsed = protocol::ClientFrame::parse(text);
  if (auto* e = std::get_if<protocol::FrameError>(&parsed)) return std::move(*e);
  const auto& frame = std::get<protocol::ClientFrame>(parsed);
  auto it = entries_.find(std::string(frame.type()));
  if (it == entries_.end()) return protocol::unknown_type(frame.type(), frame.cid());
  if (it->second.rule == CidRule::kRequired && !frame.cid()) {
    return protocol::cid_required(frame.cid());
  }
  auto fields = frame.fields();
  auto action = it->second.decoder(fields);
  if (fields.problem()) return *fields.problem();
  return Decoded{std::move(action), frame.cid()};
}

bool Commands::handles(std::string_view type) const {
  return entries_.count(std::string(type)) != 0;
}

std::vector<std::string> Commands::types() const {
  std::vector<std::string> out;
  for (const auto& [type, entry] : entries_) out.push_back(type);
  return out;
}

}  // namespace parley::gateway
