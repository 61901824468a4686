// The WebSocket session over TLS.
#include "net/ws_session_impl.hpp"

namespace parley::net::detail {

void start_ws_session(std::shared_ptr<Shared> shared, websocket::stream<TlsStream> ws,
                      WsHandoff handoff) {
  start<TlsStream>(std::move(shared), std::move(ws), std::move(handoff));
}

}  // namespace parley::net::detail
