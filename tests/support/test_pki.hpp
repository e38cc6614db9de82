// SPDX-License-Identifier: BSL-1.0
// Throwaway certificates for TLS tests, made at test time (nothing secret is committed): a
// certificate authority and server certificates it signs, for localhost and 127.0.0.1, as PEM
// files in a scratch directory removed by the destructor. EC P-256 keys: a few milliseconds.
#pragma once

#include <string>

namespace test_support {

class test_pki {
public:
  test_pki();
  ~test_pki();
  test_pki(const test_pki&) = delete;
  test_pki& operator=(const test_pki&) = delete;

  /// Makes a self-signed CA: NAME.pem (certificate) and NAME.key.
  void make_ca(const std::string& name);
  /// Makes a server certificate for DNS:localhost and IP:127.0.0.1 with common name `cn`,
  /// signed by CA `ca`: NAME.pem and NAME.key.
  void make_server(const std::string& name, const std::string& ca, const std::string& cn);

  std::string certificate(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
  std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }
  const std::string& directory() const { return dir_; }

private:
  std::string dir_;
  long serial_ = 1;
};

}  // namespace test_support
