# SPDX-License-Identifier: BSL-1.0
# ctest -P script: install this build into a scratch prefix, then configure, build and run
# tests/package/consumer against it: once as a CMake project (find_package), once compiled
# with nothing but the flags of `pkg-config --cflags --libs libchat`.
# Inputs: BUILD_DIR, SOURCE_DIR, WORK_DIR, CXX_FLAGS, LINKER_FLAGS, CXX_COMPILER, LAUNCHER.
file(REMOVE_RECURSE "${WORK_DIR}")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${WORK_DIR}/prefix")
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/package/consumer" -B "${WORK_DIR}/build" -G Ninja
    "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}" -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run("${WORK_DIR}/build/consumer")

# pkg-config alone: the compiler, C++20 (which libchat.pc's description asks for), its flags.
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB_RECURSE pc_file "${WORK_DIR}/prefix/libchat.pc")
if(NOT pc_file)
  message(FATAL_ERROR "libchat.pc is not installed under ${WORK_DIR}/prefix")
endif()
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs libchat OUTPUT_VARIABLE pc_flags
  OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs libchat failed (${status})")
endif()
message(STATUS "pkg-config --cflags --libs libchat: ${pc_flags}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
separate_arguments(extra_cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
separate_arguments(extra_link_flags UNIX_COMMAND "${LINKER_FLAGS}")
run(${LAUNCHER} ${CXX_COMPILER} -std=c++20 -O2 ${extra_cxx_flags}
    "${SOURCE_DIR}/tests/package/consumer/main.cpp" -o "${WORK_DIR}/consumer_pkg_config"
    ${pc_flags} ${extra_link_flags})
run("${WORK_DIR}/consumer_pkg_config")
