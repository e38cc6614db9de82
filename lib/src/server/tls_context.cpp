// SPDX-License-Identifier: BSL-1.0
#include "server/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace chat::detail {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_server_tls_context(const server_tls_options& options,
                                                      boost::system::error_code& ec,
                                                      std::string& what) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  const int lowest = options.min_version == tls_version::v1_2 ? TLS1_2_VERSION : TLS1_3_VERSION;
  if (::SSL_CTX_set_min_proto_version(native, lowest) != 1) {
    ec = ssl::error::unspecified_system_error;
    what = "setting the lowest TLS version";
    return nullptr;
  }
  // No renegotiation (TLS 1.2: a client could make the server redo handshakes at will); no
  // session cache nor tickets: clients do not resume, and each would cost the server memory.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE |
                       SSL_OP_IGNORE_UNEXPECTED_EOF);  // a TCP close is the end, as for TCP
  ::SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  ::SSL_CTX_set_num_tickets(native, 0);
  context->use_certificate_chain_file(options.certificate_file, ec);
  if (ec) {
    what = "certificate file " + options.certificate_file;
    return nullptr;
  }
  context->use_private_key_file(options.private_key_file, ssl::context::pem, ec);
  if (ec) {
    what = "private key file " + options.private_key_file;
    return nullptr;
  }
  ::ERR_clear_error();
  if (::SSL_CTX_check_private_key(native) != 1) {
    const unsigned long code = ::ERR_get_error();
    ec = code ? boost::system::error_code(static_cast<int>(code), boost::asio::error::get_ssl_category())
              : boost::system::error_code(ssl::error::unspecified_system_error);
    what = "private key " + options.private_key_file + " does not match certificate " +
           options.certificate_file;
    return nullptr;
  }
  return context;
}

}  // namespace chat::detail
