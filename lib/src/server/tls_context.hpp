// SPDX-License-Identifier: BSL-1.0
// The server's TLS context: certificate, key and protocol settings, loaded from files.
#pragma once

#include <chat/server_tls_options.hpp>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <string>

namespace chat::detail {

/// A context for new TLS connections, or null with `ec` set and `what` saying which step
/// failed (e.g. "certificate file /x.pem: No such file or directory").
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const server_tls_options& options,
                                                                   boost::system::error_code& ec,
                                                                   std::string& what);

}  // namespace chat::detail
