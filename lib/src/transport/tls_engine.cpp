// SPDX-License-Identifier: BSL-1.0
#include "transport/tls_engine.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>

#include <cerrno>
#include <cstdint>

#include <sys/socket.h>

namespace chat::detail {

namespace {

int socket_of(BIO* bio) { return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio))); }

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

int bio_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(socket_of(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && would_block(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int bio_read(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(socket_of(bio), data, static_cast<std::size_t>(size), 0);
  if (n < 0 && would_block(errno)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0;  // nothing is buffered here
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// Made once, the first time a TLS connection starts; lives as long as the process.
const BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "libchat socket");
    if (!m) return m;
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

}  // namespace

bool attach_socket(SSL* ssl, int fd) noexcept {
  const BIO_METHOD* method = socket_method();
  if (!method) return false;
  BIO* bio = BIO_new(method);
  if (!bio) return false;
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
  SSL_set_bio(ssl, bio, bio);  // one BIO both ways; the SSL owns it
  return true;
}

boost::system::error_code tls_error(SSL* ssl, int result, bool& wants_write) noexcept {
  const int saved_errno = errno;
  wants_write = false;
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_WRITE:
      wants_write = true;
      return boost::asio::error::would_block;
    case SSL_ERROR_WANT_READ:
      return boost::asio::error::would_block;
    case SSL_ERROR_ZERO_RETURN:
      return boost::asio::error::eof;
    case SSL_ERROR_SYSCALL: {
      if (const unsigned long code = ERR_get_error())
        return {static_cast<int>(code), boost::asio::error::get_ssl_category()};
      if (saved_errno != 0) return {saved_errno, boost::system::system_category()};
      return boost::asio::error::eof;
    }
    default: {
      if (const unsigned long code = ERR_get_error())
        return {static_cast<int>(code), boost::asio::error::get_ssl_category()};
      return boost::asio::ssl::error::unexpected_result;
    }
  }
}

}  // namespace chat::detail
