// SPDX-License-Identifier: BSL-1.0
// How a chat::server serves TLS (docs/PROTOCOL.md 2). A plain value; part of server_options.
#pragma once

#include <chat/tls_version.hpp>

#include <cstdint>
#include <string>

namespace chat {

struct server_tls_options {
  /// PEM file: the server's certificate, then any intermediate certificates. Empty: no TLS.
  std::string certificate_file;
  /// PEM file: the private key of that certificate (unencrypted).
  std::string private_key_file;
  /// Where the TLS listener binds (on server_options::address); 0 binds an ephemeral port,
  /// see server::tls_endpoint().
  std::uint16_t port = 0;
  /// Serve TLS only: no plain listener; the TLS one binds server_options::port and this
  /// struct's port is ignored.
  bool only = false;
  /// The lowest protocol version accepted: TLS 1.3 unless 1.2 is asked for.
  tls_version min_version = tls_version::v1_3;

  bool enabled() const noexcept { return !certificate_file.empty(); }
};

}  // namespace chat
