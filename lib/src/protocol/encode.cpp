#include <chat/protocol.hpp>

#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace chat {
namespace {

template <class Int>
void put_int(frame_bytes& out, Int value) {
  for (int shift = 8 * (int(sizeof(Int)) - 1); shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

void put_field(frame_bytes& out, const std::string& s) {
  put_int(out, static_cast<std::uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

template <std::unsigned_integral Int>
void put_field(frame_bytes& out, Int value) {
  put_int(out, value);
}

template <class Message>
using fields_of = boost::describe::describe_members<Message, boost::describe::mod_public>;

template <class Message>
std::size_t encoded_size(const Message& m) {
  std::size_t n = frame_header_size + 1;
  boost::mp11::mp_for_each<fields_of<Message>>([&](auto field) {
    const auto& value = m.*field.pointer;
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>) {
      // Checked here, before anything is appended, so a throw leaves `out` as it was.
      if (value.size() > std::numeric_limits<std::uint16_t>::max())
        throw std::length_error("chat: string field longer than 65535 bytes");
      n += 2 + value.size();
    } else {
      n += sizeof(value);
    }
  });
  return n;
}

}  // namespace

template <wire_message Message>
void encode_to(frame_bytes& out, const Message& m) {
  const std::size_t size = encoded_size(m);
  // Geometric growth: appending many frames (a history replay) must not copy quadratically.
  if (out.capacity() - out.size() < size) out.reserve(std::max(out.size() + size, 2 * out.capacity()));
  put_int(out, static_cast<std::uint32_t>(size - frame_header_size));
  out.push_back(static_cast<std::uint8_t>(Message::type));
  boost::mp11::mp_for_each<fields_of<Message>>(
      [&](auto field) { put_field(out, m.*field.pointer); });
}

void encode_to(frame_bytes& out, const client_message& m) {
  std::visit([&](const auto& alternative) { encode_to(out, alternative); }, m);
}

void encode_to(frame_bytes& out, const server_message& m) {
  std::visit([&](const auto& alternative) { encode_to(out, alternative); }, m);
}

// One instantiation per message type (the template is declared in protocol.hpp).
template void encode_to(frame_bytes&, const msg::hello&);
template void encode_to(frame_bytes&, const msg::say&);
template void encode_to(frame_bytes&, const msg::ping&);
template void encode_to(frame_bytes&, const msg::bye&);
template void encode_to(frame_bytes&, const msg::welcome&);
template void encode_to(frame_bytes&, const msg::message&);
template void encode_to(frame_bytes&, const msg::joined&);
template void encode_to(frame_bytes&, const msg::left&);
template void encode_to(frame_bytes&, const msg::pong&);
template void encode_to(frame_bytes&, const msg::error&);

}  // namespace chat
