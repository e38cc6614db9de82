// SPDX-License-Identifier: BSL-1.0
// chatcli's memory across reconnects: rooms, the current one, and the last id shown per room.
#include "room_memory.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace {

using rooms_t = std::vector<std::string>;

chat::msg::server::message in_room(std::string room, std::uint64_t id) {
  chat::msg::server::message m;
  m.id = id;
  m.time_ms = 1'700'000'000'000;
  m.sender = "alice";
  m.target = std::move(room);
  m.text = "hi";
  return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chatcli_room_memory)

BOOST_AUTO_TEST_CASE(starts_in_no_room) {
  const chatcli::room_memory memory;
  BOOST_TEST(memory.rooms().empty());
  BOOST_TEST(!memory.current().has_value());
  BOOST_TEST(!memory.in("lobby"));
  BOOST_TEST(memory.resume_after("lobby") == 0u);
}

BOOST_AUTO_TEST_CASE(joined_room_becomes_current) {
  chatcli::room_memory memory;
  memory.joined("lobby");
  BOOST_TEST(memory.in("lobby"));
  BOOST_TEST(memory.rooms() == rooms_t{"lobby"}, boost::test_tools::per_element());
  BOOST_TEST(memory.current().value_or("<none>") == "lobby");

  memory.joined("#dev");
  BOOST_TEST(memory.rooms() == (rooms_t{"lobby", "#dev"}), boost::test_tools::per_element());
  BOOST_TEST(memory.current().value_or("<none>") == "#dev");
}

BOOST_AUTO_TEST_CASE(joining_again_switches_without_duplicating) {
  chatcli::room_memory memory;
  memory.joined("lobby");
  memory.joined("#dev");
  memory.joined("lobby");
  BOOST_TEST(memory.rooms() == (rooms_t{"lobby", "#dev"}), boost::test_tools::per_element());
  BOOST_TEST(memory.current().value_or("<none>") == "lobby");
}

BOOST_AUTO_TEST_CASE(rooms_are_matched_exactly) {
  // Callers pass the server's lower-cased names; the memory does not fold them again.
  chatcli::room_memory memory;
  memory.joined("lobby");
  BOOST_TEST(!memory.in("Lobby"));
  BOOST_TEST(!memory.in("lobb"));
  BOOST_TEST(!memory.in(""));
}

BOOST_AUTO_TEST_CASE(set_current_switches_room) {
  chatcli::room_memory memory;
  memory.joined("lobby");
  memory.joined("#dev");
  memory.set_current("lobby");
  BOOST_TEST(memory.current().value_or("<none>") == "lobby");
  BOOST_TEST(memory.rooms() == (rooms_t{"lobby", "#dev"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parting_the_current_room_falls_back_to_the_last_joined) {
  chatcli::room_memory memory;
  memory.joined("a");
  memory.joined("b");
  memory.joined("c");
  memory.parted("c");
  BOOST_TEST(!memory.in("c"));
  BOOST_TEST(memory.rooms() == (rooms_t{"a", "b"}), boost::test_tools::per_element());
  BOOST_TEST(memory.current().value_or("<none>") == "b");
  memory.parted("b");
  BOOST_TEST(memory.current().value_or("<none>") == "a");
  memory.parted("a");
  BOOST_TEST(memory.rooms().empty());
  BOOST_TEST(!memory.current().has_value());
}

BOOST_AUTO_TEST_CASE(parting_the_current_room_from_the_middle) {
  chatcli::room_memory memory;
  memory.joined("a");
  memory.joined("b");
  memory.joined("c");
  memory.set_current("b");
  memory.parted("b");
  BOOST_TEST(memory.rooms() == (rooms_t{"a", "c"}), boost::test_tools::per_element());
  BOOST_TEST(memory.current().value_or("<none>") == "c");
}

BOOST_AUTO_TEST_CASE(parting_another_room_keeps_the_current_one) {
  chatcli::room_memory memory;
  memory.joined("a");
  memory.joined("b");
  memory.parted("a");
  BOOST_TEST(memory.current().value_or("<none>") == "b");
  BOOST_TEST(memory.rooms() == rooms_t{"b"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parting_a_room_not_joined_changes_nothing) {
  chatcli::room_memory memory;
  memory.joined("a");
  memory.parted("zzz");
  BOOST_TEST(memory.rooms() == rooms_t{"a"}, boost::test_tools::per_element());
  BOOST_TEST(memory.current().value_or("<none>") == "a");
}

BOOST_AUTO_TEST_CASE(first_sighting_is_new_then_duplicate) {
  chatcli::room_memory memory;
  BOOST_TEST(memory.first_sighting(in_room("lobby", 5)));
  BOOST_TEST(!memory.first_sighting(in_room("lobby", 5)));   // the same again
  BOOST_TEST(!memory.first_sighting(in_room("lobby", 3)));   // older
  BOOST_TEST(memory.first_sighting(in_room("lobby", 9)));    // newer, not contiguous
  BOOST_TEST(!memory.first_sighting(in_room("lobby", 6)));   // older than the last shown
  BOOST_TEST(memory.resume_after("lobby") == 9u);
}

BOOST_AUTO_TEST_CASE(first_sighting_is_per_room) {
  chatcli::room_memory memory;
  BOOST_TEST(memory.first_sighting(in_room("lobby", 10)));
  // Ids are shared by all rooms: a smaller id elsewhere is still new there.
  BOOST_TEST(memory.first_sighting(in_room("#dev", 4)));
  BOOST_TEST(memory.first_sighting(in_room("#dev", 10)));
  BOOST_TEST(!memory.first_sighting(in_room("#dev", 10)));
  BOOST_TEST(memory.first_sighting(in_room("lobby", 11)));
  BOOST_TEST(memory.resume_after("lobby") == 11u);
  BOOST_TEST(memory.resume_after("#dev") == 10u);
  BOOST_TEST(memory.resume_after("other") == 0u);
}

BOOST_AUTO_TEST_CASE(first_sighting_does_not_need_the_room_joined) {
  chatcli::room_memory memory;
  BOOST_TEST(memory.first_sighting(in_room("lobby", 1)));
  BOOST_TEST(memory.rooms().empty());  // seeing a message joins nothing
}

BOOST_AUTO_TEST_CASE(caught_up_advances_to_end_last_id) {
  chatcli::room_memory memory;
  memory.caught_up("lobby", 20);
  BOOST_TEST(memory.resume_after("lobby") == 20u);
  BOOST_TEST(!memory.first_sighting(in_room("lobby", 20)));
  BOOST_TEST(!memory.first_sighting(in_room("lobby", 15)));
  BOOST_TEST(memory.first_sighting(in_room("lobby", 21)));
  BOOST_TEST(memory.resume_after("#dev") == 0u);  // other rooms unaffected
}

BOOST_AUTO_TEST_CASE(caught_up_never_goes_back) {
  chatcli::room_memory memory;
  BOOST_TEST(memory.first_sighting(in_room("lobby", 30)));
  memory.caught_up("lobby", 25);  // an END older than a live message already shown
  BOOST_TEST(memory.resume_after("lobby") == 30u);
  BOOST_TEST(!memory.first_sighting(in_room("lobby", 27)));
  memory.caught_up("lobby", 0);  // e.g. an empty room's END
  BOOST_TEST(memory.resume_after("lobby") == 30u);
  memory.caught_up("lobby", 40);
  BOOST_TEST(memory.resume_after("lobby") == 40u);
}

BOOST_AUTO_TEST_CASE(ids_are_remembered_for_rooms_since_left) {
  chatcli::room_memory memory;
  memory.joined("lobby");
  BOOST_TEST(memory.first_sighting(in_room("lobby", 8)));
  memory.parted("lobby");
  BOOST_TEST(memory.resume_after("lobby") == 8u);
  memory.joined("lobby");
  BOOST_TEST(!memory.first_sighting(in_room("lobby", 8)));
}

BOOST_AUTO_TEST_CASE(first_welcome_is_the_same_run) {
  chatcli::room_memory memory;
  BOOST_TEST(memory.welcomed_by(0x0123456789ABCDEF));
}

BOOST_AUTO_TEST_CASE(welcome_from_the_same_run_keeps_everything) {
  chatcli::room_memory memory;
  BOOST_TEST(memory.welcomed_by(77));
  memory.joined("lobby");
  memory.joined("#dev");
  BOOST_TEST(memory.first_sighting(in_room("lobby", 12)));
  memory.caught_up("#dev", 9);

  BOOST_TEST(memory.welcomed_by(77));
  BOOST_TEST(memory.rooms() == (rooms_t{"lobby", "#dev"}), boost::test_tools::per_element());
  BOOST_TEST(memory.current().value_or("<none>") == "#dev");
  BOOST_TEST(memory.resume_after("lobby") == 12u);
  BOOST_TEST(memory.resume_after("#dev") == 9u);
  BOOST_TEST(!memory.first_sighting(in_room("lobby", 12)));
}

BOOST_AUTO_TEST_CASE(welcome_from_another_run_forgets_ids_but_keeps_rooms) {
  chatcli::room_memory memory;
  BOOST_TEST(memory.welcomed_by(77));
  memory.joined("lobby");
  memory.joined("#dev");
  memory.set_current("lobby");
  BOOST_TEST(memory.first_sighting(in_room("lobby", 12)));
  BOOST_TEST(memory.first_sighting(in_room("gone", 3)));  // a room since left
  memory.caught_up("#dev", 9);

  BOOST_TEST(!memory.welcomed_by(78));
  BOOST_TEST(memory.rooms() == (rooms_t{"lobby", "#dev"}), boost::test_tools::per_element());
  BOOST_TEST(memory.current().value_or("<none>") == "lobby");
  BOOST_TEST(memory.resume_after("lobby") == 0u);
  BOOST_TEST(memory.resume_after("#dev") == 0u);
  BOOST_TEST(memory.resume_after("gone") == 0u);
  // The new run's counter starts again: small ids are new.
  BOOST_TEST(memory.first_sighting(in_room("lobby", 1)));
}

BOOST_AUTO_TEST_CASE(the_new_run_becomes_the_reference) {
  chatcli::room_memory memory;
  BOOST_TEST(memory.welcomed_by(77));
  BOOST_TEST(!memory.welcomed_by(78));
  BOOST_TEST(memory.first_sighting(in_room("lobby", 5)));
  BOOST_TEST(memory.welcomed_by(78));
  BOOST_TEST(memory.resume_after("lobby") == 5u);
  BOOST_TEST(!memory.welcomed_by(77));  // back to the old id is another run too
  BOOST_TEST(memory.resume_after("lobby") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
