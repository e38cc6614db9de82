// SPDX-License-Identifier: BSL-1.0
#include <chat/codec.hpp>
#include <chat/text.hpp>

#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>

#include <string>
#include <vector>

namespace chat {
namespace {

// Reads fields front to back; the first failure sticks and later reads do nothing.
class field_reader {
public:
  explicit field_reader(std::span<const std::uint8_t> body) : rest_(body) {}

  template <std::unsigned_integral Int>
  void read(Int& value) {
    if (!take(sizeof(Int))) return;
    value = 0;
    for (std::size_t i = 0; i < sizeof(Int); ++i)
      value = static_cast<Int>((value << 8) | taken_[i]);
  }

  void read(std::string& s) {
    std::uint16_t length = 0;
    read(length);
    if (!take(length)) return;
    s.assign(reinterpret_cast<const char*>(taken_.data()), taken_.size());
    if (!is_valid_utf8(s)) fail(errc::invalid_utf8);
  }

  void read(std::vector<std::string>& list) {
    std::uint16_t count = 0;
    read(count);
    // No reserve(count): the count is the peer's claim; each entry must actually arrive.
    for (std::uint16_t i = 0; i < count && !error_; ++i) read(list.emplace_back());
  }

  /// Success only if every field fit and nothing is left over.
  boost::system::error_code finish() {
    if (!error_ && !rest_.empty()) fail(errc::malformed_frame);
    return error_;
  }

private:
  bool take(std::size_t n) {
    if (error_) return false;
    if (rest_.size() < n) {
      fail(errc::malformed_frame);
      return false;
    }
    taken_ = rest_.first(n);
    rest_ = rest_.subspan(n);
    return true;
  }
  void fail(errc e) { error_ = make_error_code(e); }

  std::span<const std::uint8_t> rest_;
  std::span<const std::uint8_t> taken_;
  boost::system::error_code error_;
};

template <class Message>
boost::system::result<Message> decode_fields(std::span<const std::uint8_t> body) {
  Message m;
  field_reader reader(body);
  boost::mp11::mp_for_each<boost::describe::describe_members<Message, boost::describe::mod_public>>(
      [&](auto field) { reader.read(m.*field.pointer); });
  if (auto ec = reader.finish()) return ec;
  return m;
}

// Decodes into whichever alternative of Variant has the frame's type. A known type that belongs
// to the other direction is unexpected_type; anything else is unknown_type.
template <class Variant, class OtherDirection>
boost::system::result<Variant> decode_one_of(frame_view frame) {
  boost::system::result<Variant> out = make_error_code(errc::unknown_type);
  boost::mp11::mp_for_each<boost::mp11::mp_rename<Variant, boost::mp11::mp_list>>([&](auto tag) {
    using Message = decltype(tag);
    if (frame.type != static_cast<std::uint8_t>(Message::type)) return;
    if (auto m = decode_fields<Message>(frame.body))
      out = Variant(std::move(*m));
    else
      out = m.error();
  });
  if (out.has_error() && out.error() == errc::unknown_type) {
    boost::mp11::mp_for_each<boost::mp11::mp_rename<OtherDirection, boost::mp11::mp_list>>(
        [&](auto tag) {
          if (frame.type == static_cast<std::uint8_t>(decltype(tag)::type))
            out = make_error_code(errc::unexpected_type);
        });
  }
  return out;
}

}  // namespace

boost::system::result<client_message> decode_client_message(frame_view frame) {
  return decode_one_of<client_message, server_message>(frame);
}

boost::system::result<server_message> decode_server_message(frame_view frame) {
  return decode_one_of<server_message, client_message>(frame);
}

}  // namespace chat
