// SPDX-License-Identifier: BSL-1.0
// The seam between rooms and connections: what a room (or another user's private message)
// needs from a member to reach it.
//
// A member is the sending side of one connection. Every function may be called from any thread,
// possibly with a room's lock held: none blocks, does I/O, or calls back into a room. A member
// whose connection has closed accepts and drops. Rooms hold members by shared_ptr; a member
// holds no reference to a room or to its session, so there is no ownership cycle.
#pragma once

#include "rooms/room_event.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace chat::detail {

class member {
public:
  virtual ~member() = default;

  /// A live event: counts against the member's send-queue bound.
  virtual void deliver(const shared_event& event) = 0;

  /// A reply to this member's own request (WELCOME, ERROR, PONG, TOPIC, ...): counts against
  /// the send-queue bound.
  virtual void reply(const server_message& m) = 0;

  /// A multi-frame answer (a join's greeting, HISTORY, LIST, WHO): counted against a separate
  /// allowance that one full history fits, so a long history cannot make a room unjoinable.
  virtual void answer(const std::vector<server_message>& batch) = 0;

  /// Reserves the answer's place in this member's outgoing stream now: frames delivered after
  /// this call wait behind it until fill() (or the ticket's destruction) releases it. This lets
  /// a room order a newcomer's greeting before live events without building the greeting
  /// under its lock.
  class ticket {
  public:
    ticket() = default;
    ticket(std::shared_ptr<member> owner, std::uint64_t id) : owner_(std::move(owner)), id_(id) {}
    ticket(ticket&&) noexcept = default;
    ticket& operator=(ticket&& other) noexcept {
      release();
      owner_ = std::move(other.owner_);
      id_ = other.id_;
      return *this;
    }
    ~ticket() { release(); }
    /// Puts `batch` in the reserved place (counted as an answer).
    void fill(const std::vector<server_message>& batch) {
      if (auto owner = std::exchange(owner_, nullptr)) owner->fill_reserved(id_, &batch);
    }

  private:
    void release() noexcept {
      if (auto owner = std::exchange(owner_, nullptr)) owner->fill_reserved(id_, nullptr);
    }
    std::shared_ptr<member> owner_;
    std::uint64_t id_ = 0;
  };
  virtual ticket reserve_answer() = 0;

protected:
  /// Fills the place reserved as `id` with `batch`, or with nothing when it is null. noexcept
  /// when `batch` is null.
  virtual void fill_reserved(std::uint64_t id, const std::vector<server_message>* batch) = 0;
};

}  // namespace chat::detail
