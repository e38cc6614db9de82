# SPDX-License-Identifier: BSL-1.0
# ctest -P script: builds the library alone as a shared library (nothing else: no apps,
# examples, tests or bench) and checks what it exports: its SONAME is libchat.so.<SOVERSION>, every
# dynamic symbol it defines is in namespace chat (but Boost's and std's weak template
# instances, below), and tests/package/consumer, built against its
# installation, links and runs (so what the public headers need is exported).
# Inputs: SOURCE_DIR, WORK_DIR, SONAME, CXX_COMPILER, LAUNCHER (ccache, may be empty).
file(REMOVE_RECURSE "${WORK_DIR}/prefix" "${WORK_DIR}/consumer")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}")
  endif()
endfunction()

# Kept between runs (the build directory is not removed) and compiled through ccache, so a
# rerun with unchanged sources only relinks.
if(NOT DEFINED ENV{CMAKE_BUILD_PARALLEL_LEVEL})
  set(ENV{CMAKE_BUILD_PARALLEL_LEVEL} 2)
endif()
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" -G Ninja -DCMAKE_BUILD_TYPE=Release
    -DBUILD_SHARED_LIBS=ON -DLIBCHAT_WERROR=ON -DLIBCHAT_BUILD_APPS=OFF -DLIBCHAT_BUILD_EXAMPLES=OFF
    -DLIBCHAT_BUILD_TESTS=OFF -DLIBCHAT_BUILD_BENCH=OFF "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
    "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run(${CMAKE_COMMAND} --install "${WORK_DIR}/build" --prefix "${WORK_DIR}/prefix")

file(GLOB library "${WORK_DIR}/build/lib/libchat.so.*.*.*")
if(NOT library)
  message(FATAL_ERROR "no versioned libchat.so.X.Y.Z in ${WORK_DIR}/build/lib")
endif()

execute_process(COMMAND readelf -d "${library}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR NOT dynamic MATCHES "Library soname: \\[([^]]*)\\]")
  message(FATAL_ERROR "readelf -d ${library}: no SONAME")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL SONAME)
  message(FATAL_ERROR "SONAME is ${CMAKE_MATCH_1}, expected ${SONAME}")
endif()

# Allowed besides namespace chat (its functions, and its types' vtables, typeinfo, thunks):
# the *vague-linkage* instances (nm types W, V: weak; u: unique) of Boost's and the standard
# library's templates and inline functions that libchat's code instantiates. Hidden visibility
# cannot keep them in: libstdc++ declares namespace std visible, and Boost declares visible
# what must be one object in a process (Boost.System's error categories, exception types for
# catch across libraries, Asio's service registry). The dynamic linker merges them with the
# application's own copies; they are Boost's and libstdc++'s ABI, not libchat's. Any strong
# symbol (T, D, B, R) outside chat, or a weak one outside boost and std, fails the test.
# Matched on mangled names, where the namespace comes first (demangled, a return type does).
set(special "_Z(T[VITS]|GV|Thn?[0-9]+_|Tvn?[0-9]+_n?[0-9]+_)?Z?")
set(in_chat "^${special}N[rVKRO]*4chat")
set(in_boost_or_std "^${special}(N[rVKRO]*)?(5boost|St|S[abdiosv])")
execute_process(COMMAND nm -D --defined-only "${library}" OUTPUT_VARIABLE symbols
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "nm -D --defined-only ${library} failed")
endif()
string(REPLACE "\n" ";" symbols "${symbols}")
set(foreign "")
set(chat_count 0)
set(vague_count 0)
foreach(line IN LISTS symbols)
  if(NOT line MATCHES "^[0-9a-fA-F]* ([A-Za-z]) (.+)$")
    continue()
  endif()
  set(type "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  if(name MATCHES "${in_chat}")
    math(EXPR chat_count "${chat_count} + 1")
  elseif(type MATCHES "^[WVu]$" AND name MATCHES "${in_boost_or_std}")
    math(EXPR vague_count "${vague_count} + 1")
  else()
    execute_process(COMMAND c++filt "${name}" OUTPUT_VARIABLE readable OUTPUT_STRIP_TRAILING_WHITESPACE)
    string(APPEND foreign "  ${type} ${readable}\n")
  endif()
endforeach()
if(foreign)
  message(FATAL_ERROR "libchat exports symbols outside namespace chat:\n${foreign}")
endif()
if(chat_count EQUAL 0)
  message(FATAL_ERROR "libchat exports nothing of namespace chat")
endif()
message(STATUS "${SONAME}: ${chat_count} symbols of namespace chat exported; "
               "${vague_count} weak instances of Boost and std templates")

run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/tests/package/consumer" -B "${WORK_DIR}/consumer" -G Ninja
    "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix" -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run("${WORK_DIR}/consumer/consumer")
