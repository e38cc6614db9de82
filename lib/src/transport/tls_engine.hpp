// SPDX-License-Identifier: BSL-1.0
// What tls_stream needs from OpenSSL beyond its headers: a socket BIO that never raises
// SIGPIPE, and OpenSSL's outcomes as error codes.
#pragma once

#include <boost/system/error_code.hpp>

#include <openssl/ssl.h>

namespace chat::detail {

/// Makes `ssl` read and write the non-blocking socket `fd` directly (send with MSG_NOSIGNAL,
/// so a peer gone away is EPIPE, never a signal). False if OpenSSL is out of memory.
bool attach_socket(SSL* ssl, int fd) noexcept;

/// The outcome of an SSL_* call that returned `result` (<= 0): would_block when it waits for
/// the socket (`wants_write` then says which way), eof for close_notify or a TCP close, the
/// system error, or OpenSSL's first queued error (asio::error::get_ssl_category()).
boost::system::error_code tls_error(SSL* ssl, int result, bool& wants_write) noexcept;

}  // namespace chat::detail
