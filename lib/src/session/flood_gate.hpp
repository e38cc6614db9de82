// Flood control for one client (docs/PROTOCOL.md 7.17), after Ergo's "fakelag": a token bucket
// of `burst` messages refilled at `rate` a second. A paced request takes one message's worth
// (JOIN a quarter, so rejoining many rooms after a reconnect goes through at once); the request
// that empties the bucket is handled, and then the client's input is held until the bucket
// holds a message's worth again. Excess input is delayed, never dropped: its frames wait, in
// order, and TCP pushes back on the sender meanwhile.
//
// A client that is paced without a break (never leaving a message's worth of the bucket
// unused) for `disconnect_after` is flooding: its next paced request is refused with a fatal
// ERROR flooding instead of being handled. Sans-io: the caller supplies the time.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

namespace chat::detail {

class flood_gate {
public:
  using clock = std::chrono::steady_clock;
  /// Costs, in quarters of a message.
  static constexpr unsigned message_cost = 4;
  static constexpr unsigned join_cost = 1;

  /// A `burst` of 0 or a `rate` of 0 turns the gate off; a zero `disconnect_after` never
  /// disconnects.
  flood_gate(std::size_t burst, double rate, std::chrono::milliseconds disconnect_after) noexcept
      : on_(burst > 0 && rate > 0),
        unit_(on_ ? std::chrono::duration_cast<clock::duration>(
                        std::chrono::duration<double>(1.0 / (rate * message_cost)))
                  : clock::duration::zero()),
        capacity_(unit_ * static_cast<clock::rep>(burst * message_cost)),
        disconnect_after_(disconnect_after) {}

  struct verdict {
    /// Input is held until then; clock::time_point{} for not at all.
    clock::time_point hold_until{};
    /// The client has been paced for too long: refuse the request and disconnect.
    bool flooding = false;
  };

  /// Takes `cost` for a request that arrived at `now`.
  verdict charge(unsigned cost, clock::time_point now) noexcept {
    verdict v;
    if (!on_) return v;
    const auto spent = std::max(spent_until_, now);
    const auto credit = now + capacity_ - spent;  // what the bucket holds, as time
    if (credit >= unit_ * static_cast<clock::rep>(cost + message_cost)) paced_since_.reset();
    if (paced_since_ && disconnect_after_.count() > 0 && now - *paced_since_ >= disconnect_after_) {
      v.flooding = true;
      return v;
    }
    spent_until_ = spent + unit_ * static_cast<clock::rep>(cost);
    // When the bucket holds a message's worth again.
    const auto refilled = spent_until_ - capacity_ + unit_ * static_cast<clock::rep>(message_cost);
    if (refilled > now) {
      v.hold_until = refilled;
      if (!paced_since_) paced_since_ = now;
    }
    return v;
  }

  bool enabled() const noexcept { return on_; }

private:
  bool on_;
  clock::duration unit_;      // refill time of a quarter message
  clock::duration capacity_;  // refill time of the whole bucket
  std::chrono::milliseconds disconnect_after_;
  clock::time_point spent_until_{};  // the bucket is full again then
  std::optional<clock::time_point> paced_since_;  // set while paced without a break
};

}  // namespace chat::detail
