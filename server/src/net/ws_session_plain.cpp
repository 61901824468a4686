// The WebSocket session over plain TCP.
#include "net/ws_session_impl.hpp"

namespace parley::net::detail {

void start_ws_session(std::shared_ptr<Shared> shared, websocket::stream<PlainStream> ws,
                      WsHandoff handoff) {
  start(std::move(shared), std::move(ws), std::move(handoff));
}

}  // namespace parley::net::detail
