// SPDX-License-Identifier: BSL-1.0
// TLS: the client library and the server over TLS 1.3 (docs/PROTOCOL.md 2), certificate
// verification, the lowest version, what a plain or silent client on the TLS port gets, the
// connection limits, and reloading the certificate. Certificates are made per test (test_pki).
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"
#include "support/test_pki.hpp"

#include "server/tls_context.hpp"
#include "transport/tls_stream.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <fstream>
#include <future>
#include <functional>
#include <optional>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using namespace chat;
using namespace chat::test;
using boost::system::error_code;
using test_support::test_pki;

// A CA, a server certificate it signed, and another CA that signed nothing the server has.
struct certificates {
  certificates() {
    pki.make_ca("ca");
    pki.make_ca("other_ca");
    pki.make_server("server", "ca", "first");
  }
  server_options tls_server(std::function<void(server_tls_options&)> adjust = {}) const {
    server_options o;
    o.flood_burst = 0;  // the tests send in bursts of hundreds; the transport is under test
    o.tls.certificate_file = pki.certificate("server");
    o.tls.private_key_file = pki.key("server");
    if (adjust) adjust(o.tls);
    return o;
  }
  client_options tls_client(const std::string& ca = "ca") const {
    client_options o;
    o.tls.enabled = true;
    o.tls.ca_file = pki.certificate(ca);
    return o;
  }
  test_pki pki;
};

// What a bare TLS handshake with the server ended with.
struct probe_result {
  error_code ec;
  std::string version;      // "TLSv1.3"
  std::string common_name;  // of the server's certificate
};

// Handshakes with 127.0.0.1:port (no chat), verifying against `ca_file`; `configure` may
// restrict the client's context further. Bounded by a deadline.
probe_result probe(std::uint16_t port, const std::string& ca_file,
                   const std::function<void(ssl::context&)>& configure = {}) {
  asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_peer);
  context.load_verify_file(ca_file);
  if (configure) configure(context);
  ssl::stream<asio::ip::tcp::socket> stream(io, context);
  std::optional<error_code> done;
  stream.next_layer().async_connect({asio::ip::make_address_v4("127.0.0.1"), port}, [&](error_code ec) {
    if (ec) return done.emplace(ec), void();
    stream.async_handshake(ssl::stream_base::client, [&](error_code hec) { done.emplace(hec); });
  });
  io.run_for(std::chrono::seconds(10));
  BOOST_REQUIRE_MESSAGE(done, "TLS handshake did not finish by the deadline");
  probe_result r{*done, {}, {}};
  if (r.ec) return r;
  r.version = ::SSL_get_version(stream.native_handle());
  if (X509* cert = ::SSL_get1_peer_certificate(stream.native_handle())) {
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    r.common_name = cn;
    X509_free(cert);
  }
  return r;
}

// A TLS chat peer that reads only when told to.
class late_tls_reader {
public:
  late_tls_reader(std::uint16_t port, const std::string& ca_file) : context_(ssl::context::tls_client), stream_(io_, context_) {
    context_.set_verify_mode(ssl::verify_peer);
    context_.load_verify_file(ca_file);
    auto& socket = stream_.next_layer();
    socket.connect({asio::ip::make_address_v4("127.0.0.1"), port});
    stream_.handshake(ssl::stream_base::client);
    asio::write(stream_, asio::buffer(encode(msg::client::hello{protocol_version, "slow", "lobby"})));
  }
  // Reads until the server has sent `done`'s answer (or the deadline).
  void read_until(const std::function<bool(const server_message&)>& done) {
    std::optional<error_code> failed;
    bool finished = false;
    std::function<void()> read = [&] {
      auto space = decoder_.prepare(64 * 1024);
      stream_.async_read_some(asio::buffer(space.data(), space.size()), [&](error_code ec, std::size_t n) {
        if (ec) return failed.emplace(ec), void();
        decoder_.commit(n);
        for (;;) {
          auto frame = decoder_.next();
          if (!frame) return failed.emplace(frame.error()), void();
          if (!*frame) break;
          auto m = decode_server_message(**frame);
          if (!m) return failed.emplace(m.error()), void();
          if (done(*m)) return finished = true, void();
        }
        read();
      });
    };
    read();
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!finished && !failed && std::chrono::steady_clock::now() < deadline)
      io_.run_one_for(std::chrono::milliseconds(100));
    BOOST_TEST(!failed.has_value(), (failed ? failed->message() : ""));
    BOOST_TEST(finished, "the server did not send what was awaited");
  }
  // Reads until `count` MESSAGEs have come; returns their texts.
  std::vector<std::string> messages(std::size_t count) {
    std::vector<std::string> texts;
    read_until([&](const server_message& m) {
      if (auto* said = std::get_if<msg::server::message>(&m)) texts.push_back(said->text);
      return texts.size() == count;
    });
    return texts;
  }

private:
  asio::io_context io_;
  ssl::context context_;
  ssl::stream<asio::ip::tcp::socket> stream_;
  frame_decoder decoder_;
};

bool is_tls_error(const error_code& ec) { return ec.category() == asio::error::get_ssl_category(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(clients_chat_over_tls_next_to_plain_clients) {
  certificates certs;
  test_server server(certs.tls_server());
  const std::uint16_t tls_port = server.instance.tls_endpoint().port();
  BOOST_REQUIRE_NE(tls_port, 0);
  BOOST_TEST(tls_port != server.port());

  client_pool pool(2);
  recording_client alice(pool, certs.tls_client());
  recording_client bob(pool, certs.tls_client());
  recording_client carol(pool);  // plain, on the plain port
  alice.connect_and_hello(tls_port, "alice");
  bob.connect_and_hello(tls_port, "bob");
  carol.connect_and_hello(server.port(), "carol");

  BOOST_REQUIRE(!alice.api().say("lobby", "over TLS"));
  for (auto* reader : {&bob, &carol})
    BOOST_TEST(reader->wait_for<msg::server::message>(
        [](const msg::server::message& m) { return m.text == "over TLS"; }).has_value());
  BOOST_REQUIRE(!carol.api().say("lobby", "over TCP"));
  BOOST_TEST(alice.wait_for<msg::server::message>(
      [](const msg::server::message& m) { return m.text == "over TCP"; }).has_value());

  // Many frames, some larger than one TLS record, arrive whole and in order both ways.
  const std::string big(max_text_bytes, 'x');  // with its header, over one 16 KiB record
  for (int i = 0; i < 200; ++i)
    BOOST_REQUIRE(!alice.api().say("lobby", i % 50 == 0 ? big : "line " + std::to_string(i)));
  BOOST_REQUIRE(bob.wait_until([](const std::vector<server_message>& all) {
    std::size_t n = 0;
    for (const auto& m : all) n += std::holds_alternative<msg::server::message>(m);
    return n >= 202;
  }));
  const auto said = bob.chat_messages("lobby");
  BOOST_REQUIRE_EQUAL(said.size(), 202u);
  for (int i = 0; i < 200; ++i)
    BOOST_TEST(said[std::size_t(i) + 2].text == (i % 50 == 0 ? big : "line " + std::to_string(i)));

  // BYE over TLS closes cleanly (close_notify), and the others see the departure.
  alice.api().bye("done");
  BOOST_TEST(alice.wait_closed() == error_code());
  BOOST_TEST(bob.wait_for<msg::server::left>([](const msg::server::left& l) { return l.name == "alice"; })
                 .has_value());
}

// The writer is woken before the stream is set up: what it was woken for goes out once.
BOOST_AUTO_TEST_CASE(a_hello_sent_from_the_connect_handler_goes_out_once) {
  certificates certs;
  test_server server(certs.tls_server());
  client_pool pool;
  recording_client alice(pool, certs.tls_client());
  std::promise<error_code> welcomed;
  alice.api().async_connect("127.0.0.1", std::to_string(server.instance.tls_endpoint().port()),
                            [&](error_code ec) {  // on the client's thread: no Boost.Test here
                              if (ec) return welcomed.set_value(ec);
                              alice.api().async_hello("alice", "", [&](error_code hec, msg::server::welcome) {
                                welcomed.set_value(hec);
                              });
                            });
  auto result = welcomed.get_future();
  BOOST_REQUIRE(result.wait_for(default_deadline) == std::future_status::ready);
  BOOST_TEST(!result.get());
  alice.sync(1);
  BOOST_TEST(alice.all<msg::server::error>().empty());
}

// A reader that starts reading only after megabytes were queued for it gets them whole and in
// order (on loopback the kernel may absorb them all; the next test makes writes block).
BOOST_AUTO_TEST_CASE(a_late_reader_gets_megabytes_whole_and_in_order) {
  certificates certs;
  constexpr int count = 200;  // about 2.6 MB
  auto options = certs.tls_server();
  options.max_queue_bytes = 16 * 1024 * 1024;
  test_server server(options);
  const auto port = server.instance.tls_endpoint().port();
  late_tls_reader slow(port, certs.pki.certificate("ca"));
  slow.read_until([](const server_message& m) { return std::holds_alternative<msg::server::end>(m); });
  client_pool pool;
  auto alice_options = certs.tls_client();
  alice_options.max_queue_bytes = 16 * 1024 * 1024;
  recording_client alice(pool, alice_options);
  alice.connect_and_hello(port, "alice");
  std::vector<std::string> said;
  for (int i = 0; i < count; ++i) {
    said.push_back(std::to_string(i) + std::string(12000 + std::size_t(i % 40) * 97, char('a' + i % 26)));
    BOOST_REQUIRE(!alice.api().say("lobby", said.back()));
  }
  alice.sync(1);  // all of it reached the server; the slow reader's queue holds what it has not read
  const auto texts = slow.messages(said.size());
  BOOST_REQUIRE_EQUAL(texts.size(), said.size());
  for (std::size_t i = 0; i < said.size(); ++i) BOOST_TEST(texts[i] == said[i]);
}

// stream_ops<tls_stream> itself, over a socket with a 4 KiB send buffer and a peer that reads
// late: writes block mid-record, are retried with the same bytes as OpenSSL requires, and the
// peer receives every byte in order.
BOOST_AUTO_TEST_CASE(tls_stream_retries_blocked_writes_with_the_same_bytes) {
  certificates certs;
  error_code ec;
  std::string what;
  auto context = detail::make_server_tls_context(certs.tls_server().tls, ec, what);
  BOOST_REQUIRE_MESSAGE(context, what << ": " << ec.message());
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address_v4("127.0.0.1"), 0});
  ssl::context client_context(ssl::context::tls_client);
  client_context.set_verify_mode(ssl::verify_peer);
  client_context.load_verify_file(certs.pki.certificate("ca"));
  ssl::stream<asio::ip::tcp::socket> peer(io, client_context);
  peer.next_layer().open(asio::ip::tcp::v4());
  peer.next_layer().set_option(asio::socket_base::receive_buffer_size(4096));
  peer.next_layer().async_connect(acceptor.local_endpoint(), [](error_code) {});
  asio::ip::tcp::socket accepted = acceptor.accept();
  accepted.set_option(asio::socket_base::send_buffer_size(4096));
  detail::tls_stream<asio::ip::tcp::socket> stream(std::move(accepted), context, detail::tls_side::server);
  using ops = detail::stream_ops<decltype(stream)>;
  ops::prepare(stream);
  std::optional<error_code> server_done, peer_done;
  ops::async_start(stream, [&](error_code e) { server_done = e; });
  peer.async_handshake(ssl::stream_base::client, [&](error_code e) { peer_done = e; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(server_done && peer_done) && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(100));
  BOOST_REQUIRE(server_done && peer_done);
  BOOST_REQUIRE_MESSAGE(!*server_done && !*peer_done, server_done->message() << " / " << peer_done->message());
  io.restart();  // it stopped when it ran out of work

  // 2 MiB in frames of 1000 bytes, as the writer gathers them.
  std::vector<std::uint8_t> data(2 * 1024 * 1024);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = std::uint8_t(i * 7 % 251);
  std::vector<asio::const_buffer> buffers;
  for (std::size_t at = 0; at < data.size(); at += 1000)
    buffers.emplace_back(data.data() + at, std::min<std::size_t>(1000, data.size() - at));
  const auto consume = [&](std::size_t n) {
    while (!buffers.empty() && n >= buffers.front().size()) n -= buffers.front().size(), buffers.erase(buffers.begin());
    if (n > 0) buffers.front() += n;
  };
  error_code write_ec;
  const std::size_t first = ops::write_now(stream, buffers, write_ec);
  consume(first);
  BOOST_TEST(first < data.size(), "the socket took everything: nothing blocked");
  std::size_t blocked = write_ec == asio::error::would_block ? 1 : 0;
  std::optional<error_code> write_failed;
  std::function<void()> write_rest = [&] {
    if (buffers.empty()) return;
    ops::async_write(stream, buffers, [&](error_code e, std::size_t n) {
      if (e) return write_failed.emplace(e), void();
      if (n == 0) ++blocked;
      consume(n);
      write_rest();
    });
  };
  write_rest();

  std::vector<std::uint8_t> received;
  std::array<std::uint8_t, 8192> chunk;
  std::optional<error_code> read_failed;
  std::function<void()> read = [&] {
    peer.async_read_some(asio::buffer(chunk), [&](error_code e, std::size_t n) {
      if (e) return read_failed.emplace(e), void();
      received.insert(received.end(), chunk.begin(), chunk.begin() + std::ptrdiff_t(n));
      if (received.size() < data.size()) read();
    });
  };
  read();
  const auto read_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (received.size() < data.size() && !write_failed && !read_failed &&
         std::chrono::steady_clock::now() < read_deadline)
    io.run_one_for(std::chrono::milliseconds(100));
  BOOST_TEST(!write_failed.has_value(), (write_failed ? write_failed->message() : ""));
  BOOST_TEST(!read_failed.has_value(), (read_failed ? read_failed->message() : ""));
  BOOST_REQUIRE_EQUAL(received.size(), data.size());
  BOOST_TEST((received == data));
  BOOST_TEST(blocked > 0u);
}

BOOST_AUTO_TEST_CASE(tls_only_serves_tls_on_the_main_port) {
  certificates certs;
  test_server server(certs.tls_server([](server_tls_options& t) { t.only = true; }));
  BOOST_TEST(server.instance.tls_endpoint() == server.instance.local_endpoint());
  client_pool pool;
  recording_client alice(pool, certs.tls_client());
  alice.connect_and_hello(server.port(), "alice");
  alice.sync(7);
}

BOOST_AUTO_TEST_CASE(tls_1_2_only_when_asked_for) {
  certificates certs;
  const auto tls12_only = [](ssl::context& c) {
    ::SSL_CTX_set_max_proto_version(c.native_handle(), TLS1_2_VERSION);
  };
  {
    test_server server(certs.tls_server());
    const auto port = server.instance.tls_endpoint().port();
    BOOST_TEST(probe(port, certs.pki.certificate("ca")).version == "TLSv1.3");
    const auto refused = probe(port, certs.pki.certificate("ca"), tls12_only);
    BOOST_TEST(refused.ec, "a TLS 1.2 client was accepted");
    BOOST_TEST(is_tls_error(refused.ec), refused.ec.message());
    BOOST_TEST(server.instance.session_count() <= 1u);
  }
  test_server server(certs.tls_server([](server_tls_options& t) { t.min_version = tls_version::v1_2; }));
  const auto accepted = probe(server.instance.tls_endpoint().port(), certs.pki.certificate("ca"), tls12_only);
  BOOST_TEST(!accepted.ec, accepted.ec.message());
  BOOST_TEST(accepted.version == "TLSv1.2");
}

BOOST_AUTO_TEST_CASE(an_unknown_authority_or_name_fails_verification_unless_insecure) {
  certificates certs;
  test_server server(certs.tls_server());
  const auto port = server.instance.tls_endpoint().port();
  client_pool pool;
  {
    recording_client mallory_ca(pool, certs.tls_client("other_ca"));
    const auto ec = mallory_ca.connect(port);
    BOOST_TEST(is_tls_error(ec), ec.message());
    BOOST_TEST(ec.message().find("certificate verify failed") != std::string::npos, ec.message());
  }
  {
    auto options = certs.tls_client();
    options.tls.server_name = "chat.example.org";  // the certificate is for localhost only
    recording_client wrong_name(pool, options);
    const auto ec = wrong_name.connect(port);
    BOOST_TEST(ec.message().find("certificate verify failed") != std::string::npos, ec.message());
  }
  {
    auto options = certs.tls_client("other_ca");
    options.tls.insecure = true;
    recording_client careless(pool, options);
    careless.connect_and_hello(port, "careless");
  }
  {
    auto options = certs.tls_client();
    options.tls.ca_file = certs.pki.directory() + "/missing.pem";
    recording_client no_ca(pool, options);
    BOOST_TEST(no_ca.connect(port), "connected without its CA file");
  }
}

BOOST_AUTO_TEST_CASE(a_plain_client_on_the_tls_port_is_closed_and_harms_no_one) {
  certificates certs;
  test_server server(certs.tls_server());
  const auto port = server.instance.tls_endpoint().port();
  client_pool pool;
  recording_client alice(pool, certs.tls_client());
  alice.connect_and_hello(port, "alice");

  raw_peer plain(port);
  plain.send(msg::client::hello{protocol_version, "plain", "lobby"});
  BOOST_TEST(plain.wait_closed_by_server());

  alice.sync(1);
  recording_client bob(pool, certs.tls_client());
  bob.connect_and_hello(port, "bob");
  BOOST_TEST(eventually([&] { return server.instance.session_count() == 2; }));
}

BOOST_AUTO_TEST_CASE(the_handshake_timeout_closes_a_client_that_never_handshakes) {
  certificates certs;
  auto options = certs.tls_server();
  options.handshake_timeout = std::chrono::milliseconds(200);
  test_server server(options);
  raw_peer silent(server.instance.tls_endpoint().port());
  BOOST_TEST(eventually([&] { return server.instance.session_count() == 1; }));
  BOOST_TEST(silent.wait_closed_by_server(std::chrono::seconds(5)));
  BOOST_TEST(eventually([&] { return server.instance.session_count() == 0; }));
}

BOOST_AUTO_TEST_CASE(connection_limits_close_tls_connections_before_the_handshake) {
  certificates certs;
  auto options = certs.tls_server();
  options.max_connections_per_ip = 1;
  test_server server(options);
  const auto port = server.instance.tls_endpoint().port();
  client_pool pool;
  recording_client alice(pool, certs.tls_client());
  alice.connect_and_hello(port, "alice");
  recording_client second(pool, certs.tls_client());
  BOOST_TEST(second.connect(port), "a connection over the limit was served");
  // From another address it is served.
  raw_peer other(port, asio::ip::make_address_v4("127.0.0.2"));
  BOOST_TEST(eventually([&] { return server.instance.session_count() == 2; }));
  alice.sync(1);
}

BOOST_AUTO_TEST_CASE(reload_serves_the_new_certificate_to_new_connections) {
  certificates certs;
  test_server server(certs.tls_server());
  const auto port = server.instance.tls_endpoint().port();
  const auto ca = certs.pki.certificate("ca");
  BOOST_TEST(probe(port, ca).common_name == "first");

  client_pool pool;
  recording_client before(pool, certs.tls_client());
  before.connect_and_hello(port, "before");

  certs.pki.make_server("server", "ca", "second");  // over the same files
  BOOST_TEST(!server.instance.reload_tls());
  BOOST_TEST(probe(port, ca).common_name == "second");
  before.sync(1);  // the connection open before keeps working

  // A broken file leaves the certificate in use.
  std::ofstream(certs.pki.key("server")) << "not a key\n";
  const auto ec = server.instance.reload_tls();
  BOOST_TEST(ec, "a broken key was loaded");
  BOOST_TEST(probe(port, ca).common_name == "second");
  recording_client after(pool, certs.tls_client());
  after.connect_and_hello(port, "after");

  // Without TLS there is nothing to reload.
  test_server plain;
  BOOST_TEST(plain.instance.reload_tls() == boost::system::errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(bad_tls_settings_fail_start) {
  certificates certs;
  {
    auto options = certs.tls_server();
    options.tls.private_key_file = certs.pki.directory() + "/missing.key";
    options.port = 0;
    server s(options);
    BOOST_TEST(s.start(), "started without its key");
  }
  {
    auto options = certs.tls_server();
    options.tls.private_key_file = certs.pki.key("other_ca");  // not the certificate's key
    options.port = 0;
    server s(options);
    BOOST_TEST(s.start(), "started with a key that does not match");
  }
  {
    server_options options;
    options.port = 0;
    options.tls.only = true;  // and no certificate
    server s(options);
    BOOST_TEST(s.start() == boost::system::errc::invalid_argument);
  }
}

BOOST_AUTO_TEST_SUITE_END()
