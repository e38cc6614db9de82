// SPDX-License-Identifier: BSL-1.0
// A room member that records what it is given, for tests of rooms and of the session state
// machine without sockets. Reserved places are kept in order and filled in place, as the
// real outbox does.
#pragma once

#include "rooms/member.hpp"
#include "support/decode_all.hpp"

#include <mutex>
#include <vector>

namespace chat::test {

class recording_member final : public detail::member,
                               public std::enable_shared_from_this<recording_member> {
public:
  enum class kind { event, reply, answer, reserved };
  struct entry {
    kind how;
    shared_frame frame;  ///< Null while reserved and not filled.
    std::uint64_t reservation = 0;
    /// Where the bytes of a delivered event were (a room's are copied out of its frame log):
    /// equal for two members when the event was encoded once and shared.
    const std::uint8_t* shared_bytes = nullptr;
  };

  void deliver(const detail::shared_event& e) override {
    const auto& slice = e->encoded(detail::wire_codec::v2);
    add({kind::event, std::make_shared<const frame_bytes>(slice.data, slice.data + slice.size), 0,
         slice.data});
  }
  void reply(const server_message& m) override {
    add({kind::reply, std::visit([](const auto& a) { return encode_shared(a); }, m)});
  }
  void answer(const std::vector<server_message>& batch) override {
    add({kind::answer, detail::encode_batch_for(detail::wire_codec::v2, batch)});
  }
  ticket reserve_answer() override {
    std::lock_guard lock(mutex_);
    entries_.push_back({kind::reserved, nullptr, ++reservations_});
    return ticket(shared_from_this(), reservations_);
  }

  std::vector<entry> entries() const {
    std::lock_guard lock(mutex_);
    return entries_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
  }
  /// Every message received so far, decoded, in stream order (unfilled places hold nothing).
  std::vector<server_message> messages() const {
    std::vector<server_message> out;
    for (const auto& e : entries())
      if (e.frame)
        for (auto& m : decode_all<server_message>(*e.frame)) out.push_back(std::move(m));
    return out;
  }
  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& m : messages())
      if (auto* t = std::get_if<T>(&m)) out.push_back(*t);
    return out;
  }

private:
  void add(entry e) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(e));
  }
  void fill_reserved(std::uint64_t id, const std::vector<server_message>* batch) override {
    std::lock_guard lock(mutex_);
    for (auto& e : entries_)
      if (e.reservation == id && !e.frame) {
        e.how = kind::answer;
        if (batch) e.frame = detail::encode_batch_for(detail::wire_codec::v2, *batch);
      }
  }

  mutable std::mutex mutex_;
  std::vector<entry> entries_;
  std::uint64_t reservations_ = 0;
};

}  // namespace chat::test
