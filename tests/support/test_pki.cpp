// SPDX-License-Identifier: BSL-1.0
#include "support/test_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

namespace test_support {

namespace {

struct free_key {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct free_cert {
  void operator()(X509* c) const { X509_free(c); }
};
struct close_file {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, free_key>;
using cert_ptr = std::unique_ptr<X509, free_cert>;
using file_ptr = std::unique_ptr<std::FILE, close_file>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test_pki: ") + what);
}

file_ptr open_file(const std::string& path, const char* mode) {
  file_ptr f(std::fopen(path.c_str(), mode));
  check(f != nullptr, "cannot open a file");
  return f;
}

key_ptr read_key(const std::string& path) {
  auto f = open_file(path, "r");
  key_ptr k(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  check(k != nullptr, "cannot read a key");
  return k;
}

cert_ptr read_cert(const std::string& path) {
  auto f = open_file(path, "r");
  return cert_ptr(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "bad extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `cn`, valid from an hour ago for a day, issued by `issuer`
// (itself when null).
cert_ptr new_cert(EVP_PKEY* key, const std::string& cn, long serial, X509* issuer) {
  cert_ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  return cert;
}

void write_pair(const std::string& cert_path, X509* cert, const std::string& key_path, EVP_PKEY* key) {
  {
    auto f = open_file(cert_path, "w");
    check(PEM_write_X509(f.get(), cert) == 1, "PEM_write_X509");
  }
  auto f = open_file(key_path, "w");
  check(PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_PrivateKey");
}

}  // namespace

test_pki::test_pki() {
  std::string pattern = (std::filesystem::temp_directory_path() / "libchat-pki-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  check(::mkdtemp(buffer.data()) != nullptr, "mkdtemp");
  dir_ = buffer.data();
}

test_pki::~test_pki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void test_pki::make_ca(const std::string& name) {
  key_ptr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  auto cert = new_cert(key.get(), "libchat test CA " + name, serial_++, nullptr);
  add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");
  write_pair(certificate(name), cert.get(), this->key(name), key.get());
}

void test_pki::make_server(const std::string& name, const std::string& ca, const std::string& cn) {
  const key_ptr ca_key = read_key(key(ca));
  const cert_ptr ca_cert = read_cert(certificate(ca));
  check(ca_cert != nullptr, "cannot read the CA certificate");
  key_ptr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen");
  auto cert = new_cert(key.get(), cn, serial_++, ca_cert.get());
  add_extension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), ca_cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  check(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0, "X509_sign");
  write_pair(certificate(name), cert.get(), this->key(name), key.get());
}

}  // namespace test_support
