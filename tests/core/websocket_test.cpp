// SPDX-License-Identifier: BSL-1.0
// The WebSocket port (docs/PROTOCOL.md 15): a browser's session over WebSocket is the TCP
// session, frame for frame; what the port refuses (origins, subprotocols, messages that are not
// one frame, oversized ones, silent connections); the web client's files and their headers;
// wss:// with the TLS certificate.
#include "support/raw_peer.hpp"
#include "support/recording_client.hpp"
#include "support/test_pki.hpp"
#include "support/ws_peer.hpp"

#include "web/origin_policy.hpp"
#include "web/static_files.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <thread>
#include <variant>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace chat;
using namespace chat::test;

// A directory with a web client of two files, removed at the end.
struct web_root {
  web_root() : path(std::filesystem::temp_directory_path() / ("libchat-web-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path / "lib");
    std::ofstream(path / "index.html") << "<!doctype html><title>chat</title>";
    std::ofstream(path / "lib" / "app.js") << "export const x = 1;\n";
  }
  ~web_root() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

server_options ws_server(const web_root* root = nullptr) {
  server_options o;
  o.websocket.port = 0;
  if (root) o.websocket.web_root = root->path.string();
  return o;
}

std::uint16_t ws_port(const test_server& s) { return s.instance.websocket_endpoint().port(); }

std::string origin_of(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

// One raw HTTP exchange: writes `request`, returns everything the server sent before closing
// (or within 10 s).
std::string http_exchange(std::uint16_t port, const std::string& request) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address_v4("127.0.0.1"), port});
  asio::write(socket, asio::buffer(request));
  std::string out;
  std::array<char, 4096> chunk;
  boost::system::error_code ec;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  socket.non_blocking(true);
  while (std::chrono::steady_clock::now() < until) {
    const auto n = socket.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::would_block) {
      socket.wait(asio::socket_base::wait_read, ec);
      continue;
    }
    if (ec) break;
    out.append(chunk.data(), n);
  }
  return out;
}

// Handshakes that differ from a browser's default in one or two fields.
ws_handshake from_origin(std::string origin) {
  ws_handshake h;
  h.origin = std::move(origin);
  return h;
}
ws_handshake asking(std::string path, std::string subprotocol = "libchat.v2") {
  ws_handshake h;
  h.path = std::move(path);
  h.subprotocol = std::move(subprotocol);
  return h;
}

template <class Message, class Peer>
Message next_of(Peer& peer) {
  for (;;) {
    auto m = peer.receive();
    BOOST_REQUIRE_MESSAGE(m.has_value(), "nothing received: " << m.error().message());
    if (auto* wanted = std::get_if<Message>(&*m)) return *wanted;
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(websocket)

BOOST_AUTO_TEST_CASE(a_browser_and_a_tcp_client_in_one_room_see_the_same_messages_ids_and_order) {
  test_server server(ws_server());
  ws_peer browser(ws_port(server), from_origin(origin_of(ws_port(server))));
  BOOST_REQUIRE_EQUAL(browser.handshake_status(), 101u);
  BOOST_TEST(browser.selected_subprotocol() == "libchat.v2");
  browser.register_as("webby", "lobby");
  raw_peer tcp(server.port());
  tcp.hello("tcpy", "lobby");
  BOOST_TEST(next_of<msg::server::joined>(browser).name == "tcpy");

  // Both speak in turn; each sees every message, with the same id, in the same order.
  std::vector<msg::server::message> seen_by_browser, seen_by_tcp;
  for (int i = 0; i < 5; ++i) {
    browser.send(msg::client::say{"lobby", 0, "from the browser " + std::to_string(i)});
    tcp.send(msg::client::say{"lobby", 0, "from tcp " + std::to_string(i)});
  }
  for (int i = 0; i < 10; ++i) {
    seen_by_browser.push_back(next_of<msg::server::message>(browser));
    seen_by_tcp.push_back(next_of<msg::server::message>(tcp));
  }
  for (int i = 0; i < 10; ++i) {
    BOOST_TEST(seen_by_browser[i].id == seen_by_tcp[i].id);
    BOOST_TEST(seen_by_browser[i].text == seen_by_tcp[i].text);
    BOOST_TEST(seen_by_browser[i].sender == seen_by_tcp[i].sender);
  }
  for (int i = 1; i < 10; ++i) BOOST_TEST(seen_by_browser[i].id > seen_by_browser[i - 1].id);
}

BOOST_AUTO_TEST_CASE(a_cut_off_browser_leaves_its_rooms_and_the_others_keep_chatting) {
  test_server server(ws_server());
  ws_peer browser(ws_port(server));
  browser.register_as("webby", "lobby");
  raw_peer alice(server.port()), bob(server.port());
  alice.hello("alice", "lobby");
  bob.hello("bob", "lobby");
  browser.cut();
  const auto left = next_of<msg::server::left>(alice);
  BOOST_TEST(left.name == "webby");
  BOOST_TEST(left.reason == "connection closed");
  alice.send(msg::client::say{"lobby", 0, "still here?"});
  BOOST_TEST(next_of<msg::server::message>(bob).text == "still here?");
}

BOOST_AUTO_TEST_CASE(the_server_pings_an_idle_browser_with_the_protocols_own_ping) {
  auto options = ws_server();
  options.idle_timeout = std::chrono::milliseconds(200);
  options.ping_timeout = std::chrono::milliseconds(300);
  test_server server(options);
  ws_peer answering(ws_port(server)), silent(ws_port(server));
  answering.register_as("answers", "");
  silent.register_as("silent", "");
  // The silent one is dropped with ping_timeout; the one that answers PONG stays.
  const auto ping = next_of<msg::server::ping>(answering);
  answering.send(msg::client::pong{ping.token});
  const auto last = silent.last_before_close();
  BOOST_REQUIRE(last.has_value());
  BOOST_REQUIRE(last->has_value() && std::holds_alternative<msg::server::error>(**last));
  BOOST_TEST(std::get<msg::server::error>(**last).code == static_cast<std::uint16_t>(errc::ping_timeout));
  BOOST_TEST(silent.close_code() == 1000u);
  answering.send(msg::client::ping{42});
  BOOST_TEST(next_of<msg::server::pong>(answering).token == 42u);
}

BOOST_AUTO_TEST_CASE(flood_control_paces_a_browser_as_it_paces_tcp_clients) {
  auto options = ws_server();
  options.flood_burst = 3;
  options.flood_rate = 40;  // 20 messages take about 0.4 s beyond the burst
  test_server server(options);
  ws_peer browser(ws_port(server));
  browser.register_as("fast", "lobby");
  raw_peer watcher(server.port());
  watcher.hello("watcher", "lobby");
  for (int i = 0; i < 20; ++i) browser.send(msg::client::say{"lobby", 0, "burst " + std::to_string(i)});
  // Held, not dropped: every message arrives, in order, and the browser stays connected.
  for (int i = 0; i < 20; ++i) BOOST_TEST(next_of<msg::server::message>(watcher).text == "burst " + std::to_string(i));
  browser.send(msg::client::ping{9});
  BOOST_TEST(next_of<msg::server::pong>(browser).token == 9u);
}

BOOST_AUTO_TEST_CASE(a_message_that_is_not_exactly_one_binary_frame_is_a_fatal_malformed_frame) {
  test_server server(ws_server());
  const auto expect_malformed = [&](auto send) {
    ws_peer peer(ws_port(server));
    peer.register_as("peer", "");
    send(peer);
    const auto last = peer.last_before_close();
    BOOST_REQUIRE(last.has_value());
    BOOST_REQUIRE(last->has_value() && std::holds_alternative<msg::server::error>(**last));
    BOOST_TEST(std::get<msg::server::error>(**last).code == static_cast<std::uint16_t>(errc::malformed_frame));
    BOOST_TEST(peer.close_code() == 1000u);
  };
  const auto ping = encode(msg::client::ping{1});
  expect_malformed([&](ws_peer& p) { p.send_bytes(ping, false); });  // a text message
  expect_malformed([&](ws_peer& p) {                                  // two frames in one
    std::vector<std::uint8_t> two(ping.begin(), ping.end());
    two.insert(two.end(), ping.begin(), ping.end());
    p.send_bytes(two);
  });
  expect_malformed([&](ws_peer& p) {  // a cut frame
    p.send_bytes(std::span<const std::uint8_t>(ping.data(), ping.size() - 1));
  });
  expect_malformed([&](ws_peer& p) { p.send_bytes(std::vector<std::uint8_t>{0, 0, 0, 0}); });
  // A frame that decodes badly is not fatal, as over TCP.
  ws_peer peer(ws_port(server));
  peer.register_as("fine", "");
  peer.send_bytes(std::vector<std::uint8_t>{0, 0, 0, 1, 0x7f});
  BOOST_TEST(next_of<msg::server::error>(peer).code == static_cast<std::uint16_t>(errc::unknown_type));
  peer.send(msg::client::ping{7});
  BOOST_TEST(next_of<msg::server::pong>(peer).token == 7u);
}

BOOST_AUTO_TEST_CASE(a_message_over_the_frame_limit_is_closed_with_1009_before_it_is_buffered) {
  test_server server(ws_server());
  ws_peer early(ws_port(server));  // before HELLO the limit is 4096
  std::vector<std::uint8_t> big(frame_header_size + 5000, 'x');
  big[0] = 0, big[1] = 0, big[2] = 0x13, big[3] = 0x88;  // L = 5000
  early.send_bytes(big);
  BOOST_TEST(!early.receive().has_value());
  BOOST_TEST(early.close_code() == 1009u);
  // After HELLO the server's frame limit applies: a SAY of maximal text is fine.
  ws_peer talker(ws_port(server));
  talker.register_as("talker", "lobby");
  talker.send(msg::client::say{"lobby", 0, std::string(max_text_bytes, 'y')});
  BOOST_TEST(next_of<msg::server::message>(talker).text.size() == max_text_bytes);
}

BOOST_AUTO_TEST_CASE(origins_other_than_the_servers_own_are_refused_unless_allowed) {
  test_server server(ws_server());
  const auto port = ws_port(server);
  BOOST_TEST(ws_peer(port, from_origin("http://evil.example")).handshake_status() == 403u);
  BOOST_TEST(ws_peer(port, from_origin("http://127.0.0.1:1")).handshake_status() == 403u);
  BOOST_TEST(ws_peer(port, from_origin("null")).handshake_status() == 403u);
  BOOST_TEST(ws_peer(port, from_origin(origin_of(port))).handshake_status() == 101u);
  BOOST_TEST(ws_peer(port, from_origin("")).handshake_status() == 101u);  // not a browser

  auto options = ws_server();
  options.websocket.allowed_origins = {"https://chat.example.org"};
  test_server listed(options);
  const auto listed_port = ws_port(listed);
  BOOST_TEST(ws_peer(listed_port, from_origin("https://chat.example.org")).handshake_status() == 101u);
  BOOST_TEST(ws_peer(listed_port, from_origin(origin_of(listed_port))).handshake_status() == 403u);
}

BOOST_AUTO_TEST_CASE(origin_policy_compares_host_and_port_with_default_ports) {
  using detail::origin_allowed;
  BOOST_TEST(origin_allowed("http://Chat.Example:80", "chat.example", {}));
  BOOST_TEST(origin_allowed("https://chat.example", "chat.example:443", {}));
  BOOST_TEST(!origin_allowed("https://chat.example", "chat.example:80", {}));
  BOOST_TEST(origin_allowed("http://[::1]:8080", "[::1]:8080", {}));
  BOOST_TEST(!origin_allowed("http://chat.example.evil:80", "chat.example", {}));
  BOOST_TEST(!origin_allowed("ftp://chat.example", "chat.example", {}));
  BOOST_TEST(origin_allowed("http://anything", "x", {"*"}));
}

BOOST_AUTO_TEST_CASE(other_paths_and_subprotocols_are_refused_and_no_subprotocol_is_served) {
  test_server server(ws_server());
  const auto port = ws_port(server);
  BOOST_TEST(ws_peer(port, asking("/other")).handshake_status() == 404u);
  BOOST_TEST(ws_peer(port, asking("/chat", "mqtt")).handshake_status() == 400u);
  ws_peer none(port, asking("/chat", ""));
  BOOST_REQUIRE_EQUAL(none.handshake_status(), 101u);
  BOOST_TEST(none.selected_subprotocol().empty());
  none.register_as("plain", "");
  BOOST_TEST(ws_peer(port, asking("/chat?v=2", "x, libchat.v2")).handshake_status() == 101u);
}

BOOST_AUTO_TEST_CASE(a_connection_that_does_not_open_its_websocket_in_time_is_closed) {
  auto options = ws_server();
  options.websocket.handshake_timeout = std::chrono::milliseconds(200);
  test_server server(options);
  const auto start = std::chrono::steady_clock::now();
  const auto answer = http_exchange(ws_port(server), "GET /chat HTTP/1.1\r\nHost: x\r\n");  // never ends
  BOOST_TEST(answer.empty());
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(5)));
  BOOST_TEST(eventually([&] { return server.instance.session_count() == 0; }));
}

BOOST_AUTO_TEST_CASE(the_web_clients_files_are_served_with_the_security_headers) {
  web_root root;
  test_server server(ws_server(&root));
  const auto port = ws_port(server);
  const auto index = http_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  BOOST_TEST(index.starts_with("HTTP/1.1 200 OK\r\n"));
  BOOST_TEST(index.find("Content-Type: text/html; charset=utf-8\r\n") != std::string::npos);
  BOOST_TEST(index.find("Content-Security-Policy: default-src 'none'; script-src 'self';") != std::string::npos);
  BOOST_TEST(index.find("X-Content-Type-Options: nosniff\r\n") != std::string::npos);
  BOOST_TEST(index.ends_with("<!doctype html><title>chat</title>"));
  const auto script = http_exchange(port, "GET /lib/app.js?v=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  BOOST_TEST(script.find("Content-Type: text/javascript; charset=utf-8\r\n") != std::string::npos);
  BOOST_TEST(script.ends_with("export const x = 1;\n"));
  // Two requests on one connection (keep-alive), the second a HEAD.
  const auto both = http_exchange(port, "GET /lib/app.js HTTP/1.1\r\nHost: x\r\n\r\n"
                                        "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  BOOST_TEST(both.find("HTTP/1.1 200 OK", 10) != std::string::npos);
  BOOST_TEST(both.ends_with("\r\n\r\n"));  // HEAD: no body
  for (const char* bad : {"/../index.html", "/lib/../index.html", "/%2e%2e/x", "/.hidden", "/lib/", "/lib",
                          "/nothing.html", "//etc/passwd", "/lib\\app.js"}) {
    const auto answer = http_exchange(port, std::string("GET ") + bad + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    BOOST_TEST(answer.starts_with("HTTP/1.1 404 Not Found\r\n"), bad);
  }
  BOOST_TEST(http_exchange(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                 .starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
  BOOST_TEST(http_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                 .starts_with("HTTP/1.1 413 Payload Too Large\r\n"));
  const std::string huge_header(10000, 'h');
  BOOST_TEST(http_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + huge_header + "\r\n\r\n")
                 .starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

BOOST_AUTO_TEST_CASE(without_a_web_root_every_file_is_not_found) {
  test_server server(ws_server());
  BOOST_TEST(http_exchange(ws_port(server), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                 .starts_with("HTTP/1.1 404 Not Found\r\n"));
}

BOOST_AUTO_TEST_CASE(a_connection_over_a_limit_gets_a_503_with_the_reason) {
  auto options = ws_server();
  options.max_connections_per_ip = 1;
  test_server server(options);
  ws_peer first(ws_port(server));
  first.register_as("first", "");
  const auto answer = http_exchange(ws_port(server), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
  BOOST_TEST(answer.ends_with("too many connections from 127.0.0.1 (limit 1)\n"));
}

BOOST_AUTO_TEST_CASE(two_tabs_loading_the_page_at_once_are_served_under_the_default_limits) {
  web_root root;
  test_server server(ws_server(&root));  // the default connection limits
  const auto port = ws_port(server);
  // Each tab: six parallel connections for its files, kept open (keep-alive), then its WebSocket.
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> file_connections;
  std::vector<std::unique_ptr<ws_peer>> tabs;
  for (int tab = 0; tab < 2; ++tab) {
    for (int i = 0; i < 6; ++i) {
      auto& c = file_connections.emplace_back(io);
      c.connect({asio::ip::make_address_v4("127.0.0.1"), port});
      asio::write(c, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
    }
    tabs.push_back(std::make_unique<ws_peer>(port));
    BOOST_REQUIRE_EQUAL(tabs.back()->handshake_status(), 101u);
    tabs.back()->register_as("tab" + std::to_string(tab), "lobby");
  }
  for (auto& c : file_connections) {
    std::array<char, 17> start{};
    asio::read(c, asio::buffer(start));
    BOOST_TEST(std::string(start.data(), start.size()) == "HTTP/1.1 200 OK\r\n");
  }
}

BOOST_AUTO_TEST_CASE(a_websocket_over_the_limit_of_connections_awaiting_hello_gets_a_503) {
  web_root root;
  auto options = ws_server(&root);
  options.max_unregistered_per_ip = 1;
  test_server server(options);
  const auto port = ws_port(server);
  ws_peer waiting(port);  // open, no HELLO yet
  BOOST_REQUIRE_EQUAL(waiting.handshake_status(), 101u);
  BOOST_TEST(ws_peer(port).handshake_status() == 503u);
  // Files are still served: fetching them awaits no HELLO.
  BOOST_TEST(http_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                 .starts_with("HTTP/1.1 200 OK\r\n"));
  waiting.register_as("waiting", "");
  BOOST_TEST(ws_peer(port).handshake_status() == 101u);
}

BOOST_AUTO_TEST_CASE(with_tls_the_port_speaks_wss_with_the_servers_certificate) {
  test_support::test_pki pki;
  pki.make_ca("ca");
  pki.make_server("server", "ca", "chat");
  auto options = ws_server();
  options.tls.certificate_file = pki.certificate("server");
  options.tls.private_key_file = pki.key("server");
  test_server server(options);
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->set_verify_mode(asio::ssl::verify_peer);
  context->load_verify_file(pki.certificate("ca"));
  ws_peer secure(ws_port(server), from_origin("https://127.0.0.1:" + std::to_string(ws_port(server))), context);
  BOOST_REQUIRE_EQUAL(secure.handshake_status(), 101u);
  secure.register_as("secure", "lobby");
  secure.send(msg::client::say{"lobby", 0, "over wss"});
  BOOST_TEST(next_of<msg::server::message>(secure).text == "over wss");
  // Plain WebSocket on the wss port fails its handshake: nothing is served in the clear.
  BOOST_TEST(ws_peer(ws_port(server)).handshake_status() != 101u);
}

BOOST_AUTO_TEST_CASE(stopping_the_server_tells_browsers_and_closes_pending_handshakes) {
  auto server = std::make_unique<test_server>(ws_server());
  ws_peer browser(ws_port(*server));
  browser.register_as("webby", "");
  asio::io_context io;
  asio::ip::tcp::socket idle(io);  // connected, never sends its request
  idle.connect({asio::ip::make_address_v4("127.0.0.1"), ws_port(*server)});
  std::thread stopper([&] { server->instance.stop(); });
  const auto last = browser.last_before_close();
  stopper.join();
  BOOST_REQUIRE(last.has_value());
  BOOST_REQUIRE(last->has_value() && std::holds_alternative<msg::server::error>(**last));
  BOOST_TEST(std::get<msg::server::error>(**last).code == static_cast<std::uint16_t>(errc::server_shutting_down));
  BOOST_TEST(server->instance.session_count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
