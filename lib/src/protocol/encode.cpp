// SPDX-License-Identifier: BSL-1.0
#include <chat/codec.hpp>

#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

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

void put_field(frame_bytes& out, const std::vector<std::string>& list) {
  put_int(out, static_cast<std::uint16_t>(list.size()));
  for (const auto& s : list) put_field(out, s);
}

// Checked before anything is appended, so a throw leaves the output as it was.
std::size_t string_size(const std::string& s) {
  if (s.size() > std::numeric_limits<std::uint16_t>::max())
    throw std::length_error("chat: string field longer than 65535 bytes");
  return 2 + s.size();
}

template <class Message>
using fields_of = boost::describe::describe_members<Message, boost::describe::mod_public>;

template <class Message>
std::size_t encoded_size(const Message& m) {
  std::size_t n = frame_header_size + 1;
  boost::mp11::mp_for_each<fields_of<Message>>([&](auto field) {
    const auto& value = m.*field.pointer;
    using field_type = std::decay_t<decltype(value)>;
    if constexpr (std::is_same_v<field_type, std::string>) {
      n += string_size(value);
    } else if constexpr (std::is_same_v<field_type, std::vector<std::string>>) {
      if (value.size() > std::numeric_limits<std::uint16_t>::max())
        throw std::length_error("chat: list field longer than 65535 entries");
      n += 2;
      for (const auto& s : value) n += string_size(s);
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
  out.push_back(type_byte_of<Message>());
  boost::mp11::mp_for_each<fields_of<Message>>(
      [&](auto field) { put_field(out, m.*field.pointer); });
}

void encode_to(frame_bytes& out, const client_message& m) {
  std::visit([&](const auto& alternative) { encode_to(out, alternative); }, m);
}

void encode_to(frame_bytes& out, const server_message& m) {
  std::visit([&](const auto& alternative) { encode_to(out, alternative); }, m);
}

namespace detail {

// Explicitly instantiating this class instantiates encode_to for every alternative of both
// message variants: the list of messages lives in messages.hpp alone.
template <class Messages>
struct encoders;
template <class... Message>
struct encoders<boost::mp11::mp_list<Message...>> {
  static constexpr std::tuple<void (*)(frame_bytes&, const Message&)...> table{&encode_to<Message>...};
};

template struct encoders<boost::mp11::mp_rename<client_message, boost::mp11::mp_list>>;
template struct encoders<boost::mp11::mp_rename<server_message, boost::mp11::mp_list>>;

}  // namespace detail

}  // namespace chat
