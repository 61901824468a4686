// Compiles Asio and Beast once for the load generator (BOOST_*_SEPARATE_COMPILATION), as
// server/src/net/boost_impl.cpp does for the server; no TLS here.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
