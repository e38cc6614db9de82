#include "server/connection_counter.hpp"

#include "server/address_key.hpp"

#include <utility>

namespace chat::detail {

namespace ip = boost::asio::ip;

connection_slot::connection_slot(connection_slot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), entry_(std::exchange(other.entry_, nullptr)) {}

connection_slot& connection_slot::operator=(connection_slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    entry_ = std::exchange(other.entry_, nullptr);
  }
  return *this;
}

void connection_slot::release() noexcept {
  if (auto* owner = std::exchange(owner_, nullptr)) owner->release(std::exchange(entry_, nullptr));
}

std::variant<connection_slot, std::string> connection_counter::admit(const ip::address& peer) {
  const ip::address key = address_key(peer);
  std::lock_guard lock(mutex_);
  if (max_total_ > 0 && total_ >= max_total_)
    return "server full (limit " + std::to_string(max_total_) + " connections)";
  connection_slot::entry* entry = nullptr;
  if (max_per_address_ > 0) {
    // Looked up before inserting, so a refused address leaves no entry behind.
    const auto it = per_address_.find(key);
    if (it != per_address_.end() && it->second >= max_per_address_)
      return "too many connections from " + describe_address_key(key) + " (limit " +
             std::to_string(max_per_address_) + ")";
    entry = &*per_address_.try_emplace(key, 0).first;
    ++entry->second;
  }
  ++total_;
  return connection_slot(*this, entry);
}

void connection_counter::release(connection_slot::entry* address) noexcept {
  std::lock_guard lock(mutex_);
  --total_;
  // Erased at zero, so the map holds only addresses with connections open.
  if (address && --address->second == 0) {
    const ip::address key = address->first;  // a copy: erase must not read the node it frees
    per_address_.erase(key);
  }
}

std::size_t connection_counter::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t connection_counter::count(const ip::address& peer) const {
  const ip::address key = address_key(peer);
  std::lock_guard lock(mutex_);
  const auto it = per_address_.find(key);
  return it == per_address_.end() ? 0 : it->second;
}

std::size_t connection_counter::addresses() const {
  std::lock_guard lock(mutex_);
  return per_address_.size();
}

}  // namespace chat::detail
