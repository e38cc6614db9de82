// SPDX-License-Identifier: BSL-1.0
#include "load/connection.hpp"

#include "load/worker.hpp"

#include <chat/codec.hpp>
#include <chat/error.hpp>
#include <chat/limits.hpp>
#include <chat/messages.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>

namespace load {

namespace {

// Server frame type bytes (docs/PROTOCOL.md section 5).
constexpr std::uint8_t welcome_type = 0x81;
constexpr std::uint8_t message_type = 0x82;
constexpr std::uint8_t joined_type = 0x83;
constexpr std::uint8_t left_type = 0x84;
constexpr std::uint8_t error_type = 0x86;
constexpr std::uint8_t ping_type = 0x87;
constexpr std::uint8_t end_type = 0x8B;
constexpr std::uint8_t join_request = 0x05;

// A connection that keeps receiving gives the others a turn after this many full reads.
constexpr int max_reads_per_wakeup = 4;
// A carry buffer grown past this by a large frame is given back once the frame is handled.
constexpr std::size_t carry_keep = 4096;

std::size_t frame_length(const std::uint8_t* p) noexcept {
  return (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
}

// Server strings are untrusted (PROTOCOL.md 6.5): shown with control characters replaced.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 200));
  for (char& ch : out)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7F) ch = '?';
  return out;
}

}  // namespace

connection::connection(worker& owner, std::uint32_t index, std::uint32_t slot, std::string name,
                       std::string room)
    : worker_(owner), socket_(owner.io()), index_(index), slot_(slot), name_(std::move(name)),
      room_(std::move(room)) {}

void connection::start(const boost::asio::ip::tcp::endpoint& server) {
  state_ = state::connecting;
  socket_.async_connect(server, [this](const boost::system::error_code& ec) { on_connected(ec); });
}

void connection::on_connected(const boost::system::error_code& ec) {
  if (state_ == state::closed) return;  // closed while connecting: the run is over
  if (ec) {
    close("connect failed", ec.message());
    return;
  }
  boost::system::error_code ignored;
  // Small frames (PONG, a paced SAY) must not wait for Nagle's algorithm.
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  // Reads are non-blocking system calls made when the socket is readable (see the header).
  socket_.non_blocking(true, ignored);
  state_ = state::hello_sent;
  chat::encode_to(out_, chat::msg::client::hello{chat::protocol_version, name_, ""});
  flush();
  wait_readable();
}

void connection::wait_readable() {
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     [this](const boost::system::error_code& ec) {
                       if (state_ == state::closed) return;
                       if (ec) {
                         close("I/O error", ec.message());
                         return;
                       }
                       on_readable();
                     });
}

void connection::on_readable() {
  // The buffer is the worker's: every byte read is handled (or carried) before this returns,
  // and no read into it is ever left pending, so connections can share it.
  const auto buffer = worker_.read_buffer();
  for (int i = 0; i < max_reads_per_wakeup; ++i) {
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(boost::asio::buffer(buffer.data(), buffer.size()), ec);
    if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) break;
    if (ec) {
      if (state_ == state::ending)
        close("", {});  // the server's answer to BYE
      else
        close(ec == boost::asio::error::eof ? "closed by server" : "I/O error", ec.message());
      return;
    }
    if (!consume(bytes_view(buffer.data(), n), now_ns())) return;
    if (n < buffer.size()) break;  // the socket had no more at that moment
  }
  wait_readable();
}

bool connection::consume(bytes_view data, std::uint64_t now) {
  // First complete the frame the previous read split, from the front of `data`.
  while (!carry_.empty() && !data.empty()) {
    const std::size_t whole = carry_.size() < 4 ? 4 : 4 + frame_length(carry_.data());
    const std::size_t take = std::min(whole - carry_.size(), data.size());
    carry_.insert(carry_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    data = data.subspan(take);
    if (carry_.size() < 4) break;
    const std::size_t length = frame_length(carry_.data());
    if (!length_ok(length)) return false;
    if (carry_.size() == 4 + length) {
      const bool open = handle_frame(carry_[4], bytes_view(carry_).subspan(5), now);
      carry_.clear();
      if (carry_.capacity() > carry_keep) carry_.shrink_to_fit();
      if (!open) return false;
    }
  }
  // Then every whole frame in place, in the shared buffer.
  while (data.size() >= 4) {
    const std::size_t length = frame_length(data.data());
    if (!length_ok(length)) return false;
    if (data.size() - 4 < length) break;
    if (!handle_frame(data[4], data.subspan(5, length - 1), now)) return false;
    data = data.subspan(4 + length);
  }
  if (!data.empty()) carry_.assign(data.begin(), data.end());
  return true;
}

bool connection::length_ok(std::size_t length) {
  // Checked as soon as the length is known, before any of the body is kept (PROTOCOL.md 2).
  if (length == 0 || length > chat::default_max_frame) {
    close("bad frame", "declared length " + std::to_string(length));
    return false;
  }
  return true;
}

bool connection::handle_frame(std::uint8_t type, bytes_view body, std::uint64_t now) {
  switch (type) {
    case message_type: {
      const auto m = parse_message(body);
      if (!m) {
        close("bad frame", "malformed MESSAGE");
        return false;
      }
      // History replayed by the greeting, and anything after our BYE, is not part of the run.
      if (state_ == state::ready && !(m->flags & chat::msg::flag_history))
        worker_.events().on_message(*this, *m, now);
      break;
    }
    case joined_type:
      worker_.stats.joined_frames.add();
      break;
    case left_type:
      worker_.stats.left_frames.add();
      break;
    case ping_type: {
      field_reader r(body);
      const std::uint64_t token = r.u64();
      if (!r.at_end()) {
        close("bad frame", "malformed PING");
        return false;
      }
      chat::encode_to(out_, chat::msg::client::pong{token});
      flush();
      worker_.stats.pings.add();
      break;
    }
    case welcome_type:
      if (state_ == state::hello_sent) {
        state_ = state::joining;
        chat::encode_to(out_, chat::msg::client::join{room_, 0});
        flush();
      }
      break;
    case end_type:
      if (state_ == state::joining && !body.empty() && body[0] == join_request) {
        state_ = state::ready;
        worker_.became_ready(now);
        worker_.events().on_ready(*this);
      }
      break;
    case error_type:
      handle_error_frame(body);
      break;
    default:
      break;  // TOPIC, ROOM_INFO, ...: nothing chat_load asks for
  }
  return is_open();
}

void connection::handle_error_frame(bytes_view body) {
  field_reader r(body);
  const std::uint16_t code = r.u16();
  const std::string_view text = r.str();
  const std::string quoted = '"' + printable(text) + '"';
  const std::string detail = "ERROR " + std::to_string(code) + " " + quoted;
  if (state_ == state::hello_sent) {
    close("HELLO refused", detail);
    return;
  }
  if (state_ == state::joining) {
    close("JOIN refused", detail);
    return;
  }
  auto& stats = worker_.stats;
  stats.error_frames.add();
  if (code == static_cast<std::uint16_t>(chat::errc::too_slow)) stats.too_slow.add();
  if (state_ == state::ready && chat::is_fatal(static_cast<chat::errc>(code))) {
    // The session is over (too_slow, shutting down, ...): the server closes the connection next,
    // and that close is expected, not counted again as a drop.
    state_ = state::ending;
    stats.cut_off.add();
  }
  worker_.problems().note("ERROR " + std::to_string(code), name_ + ": " + quoted);
}

void connection::flush() {
  if (!writing_ && !out_.empty() && is_open() && state_ != state::connecting) start_write();
}

void connection::start_write() {
  std::swap(out_, writing_buffer_);
  writing_ = true;
  boost::asio::async_write(socket_, boost::asio::buffer(writing_buffer_),
                           [this](const boost::system::error_code& ec, std::size_t) {
                             writing_ = false;
                             writing_buffer_.clear();
                             if (state_ == state::closed) return;
                             if (ec) {
                               close("I/O error", ec.message());
                               return;
                             }
                             if (!out_.empty())
                               start_write();
                             else
                               worker_.events().on_writable(*this);
                           });
}

void connection::bye() {
  if (state_ != state::ready) return;
  state_ = state::ending;
  chat::encode_to(out_, chat::msg::client::bye{""});
  flush();
}

void connection::close(std::string_view problem, const std::string& detail) {
  if (state_ == state::closed || state_ == state::idle) return;
  const state was = state_;
  state_ = state::closed;
  boost::system::error_code ignored;
  socket_.close(ignored);  // pending operations complete with operation_aborted and see `closed`
  carry_ = {};
  out_ = {};
  if (!problem.empty()) worker_.problems().note(problem, name_ + ": " + detail);
  worker_.closed(was, !problem.empty());
  worker_.events().on_closed(*this);
}

}  // namespace load
