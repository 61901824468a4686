// Chat's frame types (docs/protocol.md: rooms, messages, groups, reads): their decoders and the
// ChatService calls that handle them, registered with the gateway's command registry.
#pragma once

#include "bus/bus.hpp"
#include "chat/service.hpp"
#include "gateway/commands.hpp"
#include "hub/hub.hpp"

namespace parley::gateway {

void install_chat_commands(Commands& commands, chat::ChatService& chat, bus::Bus& bus,
                           hub::Hub& hub);

}  // namespace parley::gateway
