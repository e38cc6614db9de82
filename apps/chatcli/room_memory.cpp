// SPDX-License-Identifier: BSL-1.0
#include "room_memory.hpp"

#include <algorithm>

namespace chatcli {

bool room_memory::welcomed_by(std::uint64_t server_id) {
  const bool same_run = server_id_ == 0 || server_id == server_id_;
  if (!same_run) last_ids_.clear();
  server_id_ = server_id;
  return same_run;
}

void room_memory::joined(const std::string& room) {
  if (!in(room)) rooms_.push_back(room);
  current_ = room;
}

void room_memory::parted(const std::string& room) {
  std::erase(rooms_, room);
  if (current_ == room) current_ = rooms_.empty() ? std::nullopt : std::optional(rooms_.back());
}

bool room_memory::in(const std::string& room) const {
  return std::find(rooms_.begin(), rooms_.end(), room) != rooms_.end();
}

std::uint64_t* room_memory::last_id_of(const std::string& room) {
  for (auto& [name, id] : last_ids_)
    if (name == room) return &id;
  return &last_ids_.emplace_back(room, 0).second;
}

bool room_memory::first_sighting(const chat::msg::server::message& m) {
  auto& last = *last_id_of(m.target);
  if (m.id <= last) return false;
  last = m.id;
  return true;
}

void room_memory::caught_up(const std::string& room, std::uint64_t last_id) {
  auto& last = *last_id_of(room);
  last = std::max(last, last_id);
}

std::uint64_t room_memory::resume_after(const std::string& room) const {
  for (const auto& [name, id] : last_ids_)
    if (name == room) return id;
  return 0;
}

}  // namespace chatcli
