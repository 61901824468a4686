// The WebSocket session over plain TCP.
#include "net/ws_session_impl.hpp"

namespace parley::net::detail {

void start_ws_session(std::shared_ptr<Shared> shared, websocket::stream<PlainStream> ws,
                      WsHandoff handoff) {
  start<PlainStream>(std::move(shared), std::move(ws), std::move(handoff));
}

void start_ws_session(std::shared_ptr<Shared> shared, PlainStream upgraded, WsHandoff handoff) {
  start<PlainStream>(std::move(shared), std::move(upgraded), std::move(handoff));
}

}  // namespace parley::net::detail
