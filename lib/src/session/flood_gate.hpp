// SPDX-License-Identifier: BSL-1.0
// Flood control for one client (docs/PROTOCOL.md 7.20), after Ergo's "fakelag": a token bucket
// of `burst` messages refilled at `rate` a second. A paced request takes one message's worth
// (JOIN a quarter, so rejoining many rooms after a reconnect goes through at once); the request
// that leaves the bucket with less than a message is handled, and then the client's input is
// held until the bucket holds a message again. Excess input is delayed, never dropped: its
// frames wait, in order, and TCP pushes back on the sender meanwhile.
//
// A client that is paced without a break (never leaving a message's worth of the bucket
// unused) for `disconnect_after` is flooding: its next paced request is refused with a fatal
// ERROR flooding instead of being handled. Sans-io: the caller supplies the time.
//
// The settings (flood_policy) are the server's, made from its options when needed; a client's
// state (flood_gate) is two time points, since every connection has one.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace chat::detail {

class flood_policy {
public:
  using clock = std::chrono::steady_clock;
  /// Costs, in quarters of a message.
  static constexpr unsigned message_cost = 4;
  static constexpr unsigned join_cost = 1;

  /// A `burst` of 0 or a `rate` of 0 turns flood control off; a zero `disconnect_after` never
  /// disconnects.
  flood_policy(std::size_t burst, double rate, std::chrono::milliseconds disconnect_after) noexcept
      : on_(burst > 0 && rate > 0),
        unit_(on_ ? std::chrono::duration_cast<clock::duration>(
                        std::chrono::duration<double>(1.0 / (rate * message_cost)))
                  : clock::duration::zero()),
        capacity_(unit_ * static_cast<clock::rep>(burst * message_cost)),
        disconnect_after_(disconnect_after) {}

  bool enabled() const noexcept { return on_; }
  /// How long the bucket takes to refill by `cost`.
  clock::duration refill(unsigned cost) const noexcept { return unit_ * static_cast<clock::rep>(cost); }
  /// How long the whole bucket takes to refill.
  clock::duration capacity() const noexcept { return capacity_; }
  std::chrono::milliseconds disconnect_after() const noexcept { return disconnect_after_; }

private:
  bool on_;
  clock::duration unit_;      // refill time of a quarter message
  clock::duration capacity_;  // refill time of the whole bucket
  std::chrono::milliseconds disconnect_after_;
};

class flood_gate {
public:
  using clock = flood_policy::clock;

  struct verdict {
    /// Input is held until then; clock::time_point{} for not at all.
    clock::time_point hold_until{};
    /// The client has been paced for too long: refuse the request and disconnect.
    bool flooding = false;
  };

  /// Takes `cost` for a request that arrived at `now`.
  verdict charge(const flood_policy& policy, unsigned cost, clock::time_point now) noexcept {
    verdict v;
    if (!policy.enabled()) return v;
    const auto spent = std::max(spent_until_, now);
    const auto credit = now + policy.capacity() - spent;  // what the bucket holds, as time
    if (credit >= policy.refill(cost + flood_policy::message_cost)) paced_since_ = {};  // a break
    if (paced_since_ != clock::time_point{} && policy.disconnect_after().count() > 0 &&
        now - paced_since_ >= policy.disconnect_after()) {
      v.flooding = true;
      return v;
    }
    spent_until_ = spent + policy.refill(cost);
    // When the bucket holds a message's worth again.
    const auto refilled = spent_until_ - policy.capacity() + policy.refill(flood_policy::message_cost);
    if (refilled > now) {
      v.hold_until = refilled;
      if (paced_since_ == clock::time_point{}) paced_since_ = now;
    }
    return v;
  }

private:
  clock::time_point spent_until_{};  // the bucket is full again then
  clock::time_point paced_since_{};  // set while paced without a break; {}: not paced
};

}  // namespace chat::detail
