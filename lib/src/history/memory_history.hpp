// The default history store: a ring of the last `per_room` messages of each room, in memory.
#pragma once

#include "history/history_store.hpp"

#include <boost/circular_buffer.hpp>

#include <mutex>
#include <unordered_map>

namespace chat::detail {

class memory_history final : public history_store {
public:
  explicit memory_history(std::size_t per_room) : per_room_(per_room) {}

  void open(const std::string& room, std::uint64_t forgotten_through) override;
  void append(const std::string& room, const msg::server::message& m) override;
  history_replay replay(const std::string& room, std::uint64_t after_id, std::uint64_t through_id,
                        std::size_t limit) const override;
  void forget(const std::string& room) override;
  std::size_t bytes(const std::string& room) const override;

private:
  struct room_ring {
    // Space-optimized: memory grows with the messages actually kept, not with per_room, so
    // many small rooms do not each reserve a full ring.
    boost::circular_buffer_space_optimized<msg::server::message> messages;
    std::size_t bytes = 0;
    std::uint64_t forgotten_through = 0;
  };

  const std::size_t per_room_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, room_ring> rooms_;
};

}  // namespace chat::detail
