// SPDX-License-Identifier: BSL-1.0
// How many connections the server has open, in all and per client address (address_key.hpp),
// against its limits. Thread-safe: the acceptor admits, sessions release from their strands.
//
// A connection is counted from the moment it is admitted, on accept, until its session has
// closed, so the count is of descriptors the server holds, not of registered users. Until it
// has registered (HELLO accepted) it is also counted as unregistered, against limits of its own:
// connections that never register cost the server without being anyone.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>

namespace chat::detail {

class connection_counter;

/// Connections open from one address key: in all, and of those, not yet registered.
struct address_count {
  std::size_t open = 0;
  std::size_t unregistered = 0;
};

/// One admitted connection's place in the counts. Move-only; given back by release() or by
/// destruction, whichever comes first. Every session holds one.
class connection_slot {
public:
  using entry = std::pair<const boost::asio::ip::address, address_count>;

  connection_slot() = default;
  /// `address` is the counter's entry for the connection's key; null when it keeps none.
  connection_slot(connection_counter& owner, entry* address, bool unregistered = true)
      : owner_(&owner), entry_(address), unregistered_(unregistered) {}
  connection_slot(connection_slot&& other) noexcept;
  connection_slot& operator=(connection_slot&& other) noexcept;
  ~connection_slot() { release(); }

  /// The connection has registered: no longer counted as unregistered. Idempotent.
  void registered() noexcept;
  /// A connection admitted as not yet awaiting HELLO (a request for the web client's files)
  /// now does (it opens a WebSocket): counted as unregistered from now on, or, if that is
  /// over a limit, the refusal's text and nothing changes. Nothing to do if already counted.
  std::optional<std::string> await_hello();
  void release() noexcept;

private:
  connection_counter* owner_ = nullptr;  // null: nothing held
  entry* entry_ = nullptr;  // a map node: it stays put, whatever is inserted or erased around it
  bool unregistered_ = false;
};

/// What connection_counter enforces; zero for any: no limit.
struct counter_limits {
  std::size_t total = 0;
  std::size_t per_address = 0;
  std::size_t unregistered = 0;
  std::size_t unregistered_per_address = 0;
};

class connection_counter {
public:
  explicit connection_counter(const counter_limits& limits) : limits_(limits) {}
  /// Zero for either limit: no limit; unregistered connections are not limited.
  connection_counter(std::size_t max_total, std::size_t max_per_address)
      : connection_counter(counter_limits{max_total, max_per_address, 0, 0}) {}
  connection_counter(const connection_counter&) = delete;
  connection_counter& operator=(const connection_counter&) = delete;

  /// A slot for a connection from `peer`, or, if a limit is reached, the text of the ERROR
  /// that refuses it. The counter must outlive the slot.
  /// `awaiting_hello` false: not counted as unregistered until the slot's await_hello().
  std::variant<connection_slot, std::string> admit(const boost::asio::ip::address& peer,
                                                   bool awaiting_hello = true);

  /// New limits, for the connections admitted from now on (any thread): those open stay, even
  /// if they are over the new limits.
  void set_limits(const counter_limits& limits);

  std::size_t total() const;
  std::size_t unregistered() const;
  /// Connections counted against `peer`'s key.
  std::size_t count(const boost::asio::ip::address& peer) const;
  /// Keys with at least one connection: entries are erased at zero, so this stays bounded by
  /// the connections open.
  std::size_t addresses() const;

private:
  friend class connection_slot;
  void release(connection_slot::entry* address, bool unregistered) noexcept;
  void registered(connection_slot::entry* address) noexcept;
  std::optional<std::string> await_hello(connection_slot::entry* address);
  /// The refusal if one more unregistered connection (in all, or of `address`) is over a
  /// limit; the lock is held.
  std::optional<std::string> unregistered_refusal(const connection_slot::entry* address) const;

  mutable std::mutex mutex_;  // guards everything below
  counter_limits limits_;
  std::size_t total_ = 0;
  std::size_t unregistered_ = 0;
  std::unordered_map<boost::asio::ip::address, address_count> per_address_;
};

}  // namespace chat::detail
