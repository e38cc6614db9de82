// SPDX-License-Identifier: BSL-1.0
#include "server/connection_counter.hpp"

#include "server/address_key.hpp"

#include <utility>

namespace chat::detail {

namespace ip = boost::asio::ip;

connection_slot::connection_slot(connection_slot&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      entry_(std::exchange(other.entry_, nullptr)),
      unregistered_(std::exchange(other.unregistered_, false)) {}

connection_slot& connection_slot::operator=(connection_slot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    entry_ = std::exchange(other.entry_, nullptr);
    unregistered_ = std::exchange(other.unregistered_, false);
  }
  return *this;
}

void connection_slot::registered() noexcept {
  if (owner_ && std::exchange(unregistered_, false)) owner_->registered(entry_);
}

std::optional<std::string> connection_slot::await_hello() {
  if (!owner_ || unregistered_) return std::nullopt;
  auto refusal = owner_->await_hello(entry_);
  if (!refusal) unregistered_ = true;
  return refusal;
}

void connection_slot::release() noexcept {
  if (auto* owner = std::exchange(owner_, nullptr))
    owner->release(std::exchange(entry_, nullptr), std::exchange(unregistered_, false));
}

std::variant<connection_slot, std::string> connection_counter::admit(const ip::address& peer,
                                                                    bool awaiting_hello) {
  const ip::address key = address_key(peer);
  std::lock_guard lock(mutex_);
  if (limits_.total > 0 && total_ >= limits_.total)
    return "server full (limit " + std::to_string(limits_.total) + " connections)";
  if (awaiting_hello)
    if (auto refusal = unregistered_refusal(nullptr)) return std::move(*refusal);
  connection_slot::entry* entry = nullptr;
  if (limits_.per_address > 0 || limits_.unregistered_per_address > 0) {
    // Looked up before inserting, so a refused address leaves no entry behind.
    const auto it = per_address_.find(key);
    if (it != per_address_.end()) {
      if (limits_.per_address > 0 && it->second.open >= limits_.per_address)
        return "too many connections from " + describe_address_key(key) + " (limit " +
               std::to_string(limits_.per_address) + ")";
      if (awaiting_hello)
        if (auto refusal = unregistered_refusal(&*it)) return std::move(*refusal);
    }
    entry = &*per_address_.try_emplace(key).first;
    ++entry->second.open;
    if (awaiting_hello) ++entry->second.unregistered;
  }
  ++total_;
  if (awaiting_hello) ++unregistered_;
  return connection_slot(*this, entry, awaiting_hello);
}

std::optional<std::string> connection_counter::unregistered_refusal(const connection_slot::entry* address) const {
  if (limits_.unregistered > 0 && unregistered_ >= limits_.unregistered)
    return "too many connections awaiting HELLO (limit " + std::to_string(limits_.unregistered) +
           "); try again later";
  if (address && limits_.unregistered_per_address > 0 &&
      address->second.unregistered >= limits_.unregistered_per_address)
    return "too many connections awaiting HELLO from " + describe_address_key(address->first) +
           " (limit " + std::to_string(limits_.unregistered_per_address) + ")";
  return std::nullopt;
}

std::optional<std::string> connection_counter::await_hello(connection_slot::entry* address) {
  std::lock_guard lock(mutex_);
  if (auto refusal = unregistered_refusal(address)) return refusal;
  ++unregistered_;
  if (address) ++address->second.unregistered;
  return std::nullopt;
}

void connection_counter::registered(connection_slot::entry* address) noexcept {
  std::lock_guard lock(mutex_);
  --unregistered_;
  if (address) --address->second.unregistered;
}

void connection_counter::release(connection_slot::entry* address, bool unregistered) noexcept {
  std::lock_guard lock(mutex_);
  --total_;
  if (unregistered) --unregistered_;
  if (!address) return;
  if (unregistered) --address->second.unregistered;
  // Erased at zero, so the map holds only addresses with connections open.
  if (--address->second.open == 0) {
    const ip::address key = address->first;  // a copy: erase must not read the node it frees
    per_address_.erase(key);
  }
}

void connection_counter::set_limits(const counter_limits& limits) {
  std::lock_guard lock(mutex_);
  limits_ = limits;
}

std::size_t connection_counter::unregistered() const {
  std::lock_guard lock(mutex_);
  return unregistered_;
}

std::size_t connection_counter::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t connection_counter::count(const ip::address& peer) const {
  const ip::address key = address_key(peer);
  std::lock_guard lock(mutex_);
  const auto it = per_address_.find(key);
  return it == per_address_.end() ? 0 : it->second.open;
}

std::size_t connection_counter::addresses() const {
  std::lock_guard lock(mutex_);
  return per_address_.size();
}

}  // namespace chat::detail
