// SPDX-License-Identifier: BSL-1.0
// The server session state machine (lib/src/session) with real rooms, users and history, fed
// a random script: three connections sending frames (decoded as the server would, so
// undecodable ones take that path too), time passing, queues overflowing, transports closing
// and clients reconnecting, and resuming their sessions (or another's) with the tokens they
// were given. No sockets, no threads, a clock that moves only when told.
// Properties: nothing crashes or leaks (ASan, UBSan); every frame the server sends to anyone
// decodes as a server message; no two registered sessions hold names that clash.
#include "fuzz_check.hpp"

#include "bus/local_bus.hpp"
#include "history/memory_history.hpp"
#include "rooms/room_registry.hpp"
#include "session/server_session.hpp"
#include "users/local_directory.hpp"
#include "users/resume_registry.hpp"

#include <chat/error.hpp>
#include <chat/frame_decoder.hpp>
#include <chat/protocol.hpp>
#include <chat/server_options.hpp>
#include <chat/text.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <variant>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using chat::detail::server_session;

/// What a client slot remembers across its connections, to RESUME with (PROTOCOL.md 7.19).
struct resumable {
  std::string name;   // the session's name when its connection was last lost
  std::string token;  // from the last SESSION frame
};

/// Every frame in `bytes` must be a complete, decodable server message; SESSION tokens are
/// remembered.
void check_server_frames(std::span<const std::uint8_t> bytes, resumable& memory) {
  chat::frame_decoder decoder;
  while (!bytes.empty()) {
    auto frame = decoder.next(bytes);
    FUZZ_CHECK(frame.has_value());
    if (!*frame) break;
    const auto m = chat::decode_server_message(**frame);
    FUZZ_CHECK(m.has_value());
    if (const auto* s = std::get_if<chat::msg::server::session>(&*m)) memory.token = s->token;
  }
  FUZZ_CHECK(decoder.buffered() == 0);
}

/// A member that checks what it is sent and keeps none of it.
class checking_member final : public chat::detail::member,
                              public std::enable_shared_from_this<checking_member> {
public:
  explicit checking_member(resumable& memory) : memory_(memory) {}
  void deliver(const chat::detail::shared_event& e) override {
    const auto& slice = e->encoded(chat::detail::wire_codec::v2);
    check_server_frames({slice.data, slice.size}, memory_);
  }
  void reply(const chat::server_message& m) override { check_batch({m}); }
  void answer(const std::vector<chat::server_message>& batch) override { check_batch(batch); }
  ticket reserve_answer() override { return ticket(shared_from_this(), ++reservations_); }

private:
  void check_batch(const std::vector<chat::server_message>& batch) {
    const auto encoded = chat::detail::encode_batch_for(chat::detail::wire_codec::v2, batch);
    check_server_frames(*encoded, memory_);
  }
  void fill_reserved(std::uint64_t, const std::vector<chat::server_message>* batch) override {
    if (batch) check_batch(*batch);
  }
  resumable& memory_;
  std::uint64_t reservations_ = 0;
};

chat::server_options fuzz_options() {
  chat::server_options o;
  o.history = 8;
  o.max_rooms_per_user = 4;
  o.quiet_joins_above = 2;  // so a third member makes a room quiet
  o.retained_empty_rooms = 4;
  o.retained_history_bytes = 64 * 1024;
  return o;
}

struct world {
  chat::server_options options = fuzz_options();
  chat::detail::logger log;
  chat::detail::local_bus bus;
  chat::detail::local_directory users;
  chat::detail::memory_history history{options.history};
  chat::detail::room_registry rooms{bus, history, options.retained_empty_rooms,
                                    options.retained_history_bytes, options.quiet_joins_above};
  chat::detail::resume_registry resume{users, options.resume_grace, options.max_detached_sessions,
                                      options.max_detached_per_ip};
  chat::detail::live_options live_options{options};
  chat::detail::session_services services{live_options, bus, users, rooms, log, resume};
  server_session::clock::time_point now = server_session::clock::time_point{} + 1000h;

  struct connection {
    resumable memory;
    std::shared_ptr<checking_member> out;
    std::unique_ptr<server_session> session;
    std::uint64_t generation = 0;  // which of the slot's connections this is
  };
  std::array<connection, 3> connections;
  std::uint64_t generations = 0;
  std::vector<std::pair<connection*, std::uint64_t>> taken_over;  // told of a takeover, not yet run

  void connect(connection& c) {
    if (c.session) disconnect(c, chat::make_error_code(chat::errc::connection_closed));
    c.out = std::make_shared<checking_member>(c.memory);
    c.session = std::make_unique<server_session>(services, c.out, "192.0.2.1:4242");
    // A takeover reaches the old connection as a post to its strand: here, at the next settle().
    // (It is lost if that connection has closed meanwhile, as a post to a gone strand is.)
    c.generation = ++generations;
    c.session->set_takeover_notifier([this, &c, generation = c.generation] {
      taken_over.push_back({&c, generation});
    });
    c.session->start(now);
  }
  void disconnect(connection& c, boost::system::error_code reason) {
    if (!c.session->name().empty()) c.memory.name = c.session->name();
    c.session->on_closing(reason);
    c.session->on_closed(reason);
    c.session.reset();
  }
  /// Carries out what the sessions asked for, as a driver would: a close ends the connection,
  /// and (unless the server is stopping) the client connects again.
  void settle(bool reconnect = true) {
    for (const auto& [c, generation] : std::exchange(taken_over, {}))
      if (c->session && c->generation == generation) c->session->on_taken_over();
    for (auto& c : connections)
      if (!c.session) {
        continue;
      } else if (auto close = c.session->take_close()) {
        if (close->farewell) c.out->reply(*close->farewell);
        disconnect(c, close->reason);
        if (reconnect) connect(c);
      }
    for (std::size_t i = 0; i < connections.size(); ++i)
      for (std::size_t j = i + 1; j < connections.size(); ++j) {
        if (!connections[i].session || !connections[j].session) continue;
        const auto& a = *connections[i].session;
        const auto& b = *connections[j].session;
        if (a.current_state() == server_session::state::registered &&
            b.current_state() == server_session::state::registered)
          FUZZ_CHECK(chat::name_skeleton(a.name()) != chat::name_skeleton(b.name()));
      }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  world w;
  for (auto& c : w.connections) w.connect(c);
  std::span<const std::uint8_t> script(data, size);
  const auto take = [&](std::size_t n) {
    const auto part = script.first(std::min(n, script.size()));
    script = script.subspan(part.size());
    return part;
  };
  while (!script.empty()) {
    const std::uint8_t op = take(1)[0];
    auto& c = w.connections[(op & 3) % w.connections.size()];
    auto& s = *c.session;
    switch (op >> 2) {
      case 60: {  // time passes: up to 255 s
        const auto seconds = script.empty() ? 1 : take(1)[0];
        w.now += std::chrono::seconds(seconds);
        for (auto& each : w.connections) each.session->on_deadline(w.now);
        break;
      }
      case 61: s.on_too_slow(); break;
      case 62: s.on_stream_error(chat::make_error_code(chat::errc::frame_too_large)); break;
      case 59: {  // RESUME of the session some slot last had (its own, or another's: a thief)
        const auto& memory = w.connections[(script.empty() ? 0 : take(1)[0]) % 3].memory;
        s.on_message(chat::msg::client::resume{chat::protocol_version, memory.name, memory.token}, w.now);
        break;
      }
      case 63: w.connect(c); break;  // the connection drops; the client comes back
      default: {  // a frame: length byte, then type and body
        const std::size_t length = script.empty() ? 0 : take(1)[0];
        const auto frame = take(length);
        if (frame.empty()) break;
        const chat::frame_view view{frame[0], frame.subspan(1)};
        if (auto m = chat::decode_client_message(view))
          s.on_message(*m, w.now);
        else
          s.on_undecodable(m.error(), w.now);
      }
    }
    w.settle();
  }
  for (auto& c : w.connections) c.session->on_shutdown();
  w.settle(false);
  for (auto& c : w.connections)
    if (c.session) w.disconnect(c, chat::make_error_code(chat::errc::server_shutting_down));
  return 0;
}
