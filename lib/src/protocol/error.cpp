// SPDX-License-Identifier: BSL-1.0
#include <chat/error.hpp>

#include <string>

namespace chat {
namespace {

class category final : public boost::system::error_category {
public:
  // A fixed id lets error_codes compare equal across shared-library boundaries.
  constexpr category() noexcept : error_category(0x6c69626368617431ULL) {}

  const char* name() const noexcept override { return "chat"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::unsupported_version: return "unsupported protocol version";
      case errc::frame_too_large: return "frame exceeds the size limit";
      case errc::unknown_type: return "unknown message type";
      case errc::malformed_frame: return "malformed frame";
      case errc::invalid_utf8: return "text is not valid UTF-8";
      case errc::invalid_text: return "text is empty, too long or contains control characters";
      case errc::unexpected_type: return "message not allowed in this direction";
      case errc::not_registered: return "HELLO has not been accepted yet";
      case errc::already_registered: return "already registered";
      case errc::invalid_name: return "invalid name";
      case errc::name_taken: return "name is taken";
      case errc::invalid_room: return "invalid room name";
      case errc::too_slow: return "connection too slow: send queue overflowed";
      case errc::server_shutting_down: return "server is shutting down";
      case errc::internal_error: return "internal server error";
      case errc::handshake_timeout: return "no HELLO in time";
      case errc::no_such_room: return "no such room";
      case errc::not_in_room: return "not in that room";
      case errc::already_in_room: return "already in that room";
      case errc::no_such_user: return "no such user";
      case errc::too_many_rooms: return "too many rooms joined";
      case errc::ping_timeout: return "ping timeout";
      case errc::too_many_connections: return "too many connections";
      case errc::flooding: return "flooding: sending too fast for too long";
      case errc::bad_password: return "wrong or missing server password";
      case errc::resume_failed: return "session cannot be resumed";
      case errc::session_resumed: return "session taken over by another connection";
      case errc::connection_closed: return "connection closed by peer";
      case errc::not_connected: return "not connected";
      case errc::operation_in_progress: return "operation already in progress";
    }
    return "unknown chat error " + std::to_string(value);
  }
};

constinit const category the_category;

}  // namespace

const boost::system::error_category& error_category() noexcept { return the_category; }

}  // namespace chat
