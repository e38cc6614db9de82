// SPDX-License-Identifier: BSL-1.0
// The socket every accepted connection runs on.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

namespace chat::detail {

// Each connection's socket (and timer) runs on its own strand; naming the strand's type rather
// than any_io_executor makes every connection and each of its pending operations smaller.
using connection_executor = boost::asio::strand<boost::asio::io_context::executor_type>;
using connection_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, connection_executor>;

}  // namespace chat::detail
