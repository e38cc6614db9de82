// SPDX-License-Identifier: BSL-1.0
// End-to-end TLS: chatd --tls-cert/--tls-key (beside plain TCP with --tls-port, or alone),
// chatcli --tls/--tls-ca/--insecure, SIGHUP reloading the certificate, and the usage errors.
// Certificates are made per test (test_pki); every wait has a deadline.
#include "support/e2e_expect.hpp"
#include "support/process.hpp"
#include "support/test_pki.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <string>
#include <vector>

namespace {

using test_support::chatd_server;
using test_support::child_process;
using test_support::contains;
using test_support::expect_exit;
using test_support::expect_line;
using test_support::listening_port;
using test_support::output_of;
using test_support::start_chatcli;
using test_support::step;
using test_support::test_pki;

const std::string hh_mm = R"(\d{2}:\d{2})";

struct server_certificates {
  server_certificates() {
    pki.make_ca("ca");
    pki.make_server("server", "ca", "first");
  }
  std::vector<std::string> chatd_options() const {
    return {"--tls-cert", pki.certificate("server"), "--tls-key", pki.key("server")};
  }
  std::vector<std::string> trusting_client() const { return {"--tls", "--tls-ca", pki.certificate("ca")}; }
  test_pki pki;
};

void expect_joined(child_process& client, const std::string& name) {
  const auto joined = client.read_line_until("* now talking in ", step);
  BOOST_REQUIRE_MESSAGE(joined, name << " did not join a room; " << output_of(client));
}

// chatd serving TLS only, on an ephemeral port.
struct tls_only_chatd {
  explicit tls_only_chatd(const server_certificates& certs)
      : process([&] {
          std::vector<std::string> argv{CHATD_PATH, "--bind", "127.0.0.1", "--port", "0", "--threads", "2"};
          for (auto& o : certs.chatd_options()) argv.push_back(o);
          return argv;
        }()),
        port(listening_port(process, "chatd", "chatd listening for TLS on ")) {}
  child_process process;
  std::string port;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_e2e)

BOOST_AUTO_TEST_CASE(chatcli_over_tls_talks_with_chatcli_over_tcp_and_sighup_reloads) {
  server_certificates certs;
  auto options = certs.chatd_options();
  options.insert(options.end(), {"--tls-port", "0"});
  chatd_server chatd(options);
  const std::string tls_port = listening_port(chatd.process, "chatd", "chatd listening for TLS on ");
  BOOST_TEST(tls_port != chatd.port);

  child_process alice = start_chatcli(tls_port, "alice", certs.trusting_client());
  expect_joined(alice, "alice");
  child_process bob = start_chatcli(chatd.port, "bob");
  expect_joined(bob, "bob");

  BOOST_REQUIRE(alice.write_stdin("hello over TLS\n"));
  expect_line(bob, "bob", hh_mm + R"( \[lobby\] alice: hello over TLS)");
  BOOST_REQUIRE(bob.write_stdin("hello over TCP\n"));
  expect_line(alice, "alice", hh_mm + R"( \[lobby\] bob: hello over TCP)");

  // A new certificate, then SIGHUP: new connections get it, open ones carry on.
  certs.pki.make_server("server", "ca", "second");
  chatd.process.signal(SIGHUP);
  BOOST_REQUIRE_MESSAGE(chatd.process.read_stderr_line_until("TLS certificate and key re-read", step),
                        "chatd did not reload; " << output_of(chatd.process));
  child_process carol = start_chatcli(tls_port, "carol", certs.trusting_client());
  expect_joined(carol, "carol");
  BOOST_REQUIRE(alice.write_stdin("still here\n"));
  expect_line(carol, "carol", hh_mm + R"( \[lobby\] alice: still here)");

  // A broken file on SIGHUP: logged, the certificate in use stays, chatd keeps serving.
  {
    child_process spoil({"/bin/sh", "-c", "echo broken > \"$0\"", certs.pki.key("server")});
    BOOST_REQUIRE(expect_exit(spoil, "sh") == 0);
  }
  chatd.process.signal(SIGHUP);
  BOOST_REQUIRE_MESSAGE(chatd.process.read_stderr_line_until(" event=reload_rejected ", step),
                        "chatd did not report the broken key; " << output_of(chatd.process));
  child_process dave = start_chatcli(tls_port, "dave", certs.trusting_client());
  expect_joined(dave, "dave");

  for (auto* client : {&alice, &bob, &carol, &dave}) {
    BOOST_REQUIRE(client->write_stdin("/quit\n"));
    BOOST_TEST(expect_exit(*client, "chatcli") == 0);
  }
  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(chatcli_refuses_an_untrusted_certificate_unless_insecure) {
  server_certificates certs;
  tls_only_chatd chatd(certs);
  const std::string& port = chatd.port;

  // The test CA is not in the system's store.
  child_process untrusting = start_chatcli(port, "alice", {"--tls"});
  untrusting.close_stdin();
  BOOST_TEST(expect_exit(untrusting, "chatcli") == 1);
  BOOST_TEST(contains(untrusting.stderr_so_far(), "certificate verify failed"),
             "stderr: " << untrusting.stderr_so_far());

  child_process careless = start_chatcli(port, "bob", {"--insecure"});
  expect_joined(careless, "bob");
  BOOST_TEST(contains(careless.stderr_so_far(), "warning: --insecure"), "stderr: " << careless.stderr_so_far());
  BOOST_REQUIRE(careless.write_stdin("/quit\n"));
  BOOST_TEST(expect_exit(careless, "chatcli") == 0);

  // Plain TCP on the TLS port: the server closes it; chatcli says so and exits.
  child_process plain = start_chatcli(port, "carol");
  plain.close_stdin();
  BOOST_TEST(expect_exit(plain, "chatcli") == 1);

  chatd.process.signal(SIGTERM);
  BOOST_TEST(expect_exit(chatd.process, "chatd") == 0);
}

BOOST_AUTO_TEST_CASE(chatd_tls_usage_and_file_errors) {
  server_certificates certs;
  const auto run = [](std::vector<std::string> extra) {
    std::vector<std::string> argv{CHATD_PATH, "--bind", "127.0.0.1", "--port", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    child_process chatd(std::move(argv));
    const int status = expect_exit(chatd, "chatd");
    return std::pair(status, chatd.stderr_so_far());
  };
  BOOST_TEST(run({"--tls-cert", certs.pki.certificate("server")}).first == 2);
  BOOST_TEST(run({"--tls-port", "0"}).first == 2);
  auto options = certs.chatd_options();
  options.insert(options.end(), {"--tls-min-version", "1.1"});
  BOOST_TEST(run(options).first == 2);

  const auto [status, err] = run({"--tls-cert", certs.pki.directory() + "/missing.pem", "--tls-key",
                                  certs.pki.key("server")});
  BOOST_TEST(status == 1);
  BOOST_TEST(contains(err, "missing.pem"), "stderr: " << err);

  child_process help({CHATD_PATH, "--help"});
  BOOST_TEST(expect_exit(help, "chatd") == 0);
  const std::string text = help.stdout_so_far();
  for (const char* option : {"--tls-cert", "--tls-key", "--tls-port", "--tls-min-version"})
    BOOST_TEST(contains(text, option), option);
}

BOOST_AUTO_TEST_SUITE_END()
