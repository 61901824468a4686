// The HTTP session over plain TCP.
#include "net/http_session_impl.hpp"

namespace parley::net::detail {

void start_http_session(std::shared_ptr<Shared> shared, PlainStream stream, std::string remote,
                        std::shared_ptr<void> ticket) {
  start(std::move(shared), std::move(stream), std::move(remote), std::move(ticket));
}

}  // namespace parley::net::detail
