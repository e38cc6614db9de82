// SPDX-License-Identifier: BSL-1.0
// A log-linear histogram of non-negative integers (chat_load records latencies in nanoseconds).
//
// In the manner of HdrHistogram: values below 256 are counted exactly; above that every power of
// two is split into 128 buckets, so a bucket is at most 1/128 (0.8 %) of its values wide. 7424
// counters (58 KiB) cover the whole of uint64. Recording is a bit_width and an increment, cheap
// enough to do for every one of millions of deliveries, where storing each value would not be.
//
// Thread-safety: none; each worker thread has its own and they are merged at the end.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace load {

class histogram {
public:
  static constexpr unsigned linear_bits = 8;
  static constexpr std::uint64_t linear = std::uint64_t{1} << linear_bits;  // exact below this
  static constexpr std::uint64_t half = linear / 2;                          // buckets per octave
  static constexpr std::size_t bucket_count = linear + (64 - linear_bits) * half;

  static constexpr std::size_t index_of(std::uint64_t v) noexcept {
    if (v < linear) return static_cast<std::size_t>(v);
    // v >> shift keeps the top linear_bits bits of v: a value in [half, linear).
    const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - linear_bits;
    return static_cast<std::size_t>(linear + (shift - 1) * half + ((v >> shift) - half));
  }

  /// The smallest value counted in bucket i.
  static constexpr std::uint64_t lowest_of(std::size_t i) noexcept {
    if (i < linear) return i;
    const std::size_t shift = (i - linear) / half + 1;
    const std::uint64_t mantissa = (i - linear) % half + half;
    return mantissa << shift;
  }

  /// The largest value counted in bucket i.
  static constexpr std::uint64_t highest_of(std::size_t i) noexcept {
    return i + 1 < bucket_count ? lowest_of(i + 1) - 1 : std::numeric_limits<std::uint64_t>::max();
  }

  void record(std::uint64_t v) noexcept {
    ++counts_[index_of(v)];
    ++total_;
    max_ = std::max(max_, v);
    min_ = std::min(min_, v);
  }

  void merge(const histogram& other) noexcept {
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
  }

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t max() const noexcept { return total_ ? max_ : 0; }
  std::uint64_t min() const noexcept { return total_ ? min_ : 0; }

  /// The value below which a fraction q of the recorded values lie: the middle of the bucket
  /// holding the value of rank ceil(q * count), never above the largest value recorded (which
  /// is what q = 1 gives).
  std::uint64_t quantile(double q) const noexcept {
    if (total_ == 0) return 0;
    const auto wanted = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_))));
    if (wanted >= total_) return max_;  // the largest is known exactly
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= wanted) {
        const std::uint64_t low = lowest_of(i);
        const std::uint64_t middle = low + (highest_of(i) - low) / 2;
        return std::clamp(middle, min_, max_);
      }
    }
    return max_;
  }

private:
  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
};

static_assert(histogram::index_of(histogram::linear - 1) == histogram::linear - 1);
static_assert(histogram::index_of(histogram::linear) == histogram::linear);
static_assert(histogram::index_of(std::numeric_limits<std::uint64_t>::max()) ==
              histogram::bucket_count - 1);
static_assert(histogram::lowest_of(histogram::index_of(1000000)) <= 1000000 &&
              histogram::highest_of(histogram::index_of(1000000)) >= 1000000);

}  // namespace load
