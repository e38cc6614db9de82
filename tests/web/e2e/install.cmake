# SPDX-License-Identifier: BSL-1.0
# CTest's web_e2e_install (the fixture web_e2e needs): puts the e2e tooling, playwright-core as
# pinned by tests/web/e2e/package-lock.json, into the build tree with `npm ci`, once per lock
# file; never into the source tree. Also checks that the browser is there, so that a missing
# one fails here with the reason rather than as a timeout.
#   cmake -DSOURCE_DIR=tests/web/e2e -DDEST_DIR=<build>/web-e2e -DCHROMIUM=/usr/bin/chromium -P install.cmake
foreach(var SOURCE_DIR DEST_DIR CHROMIUM)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "web_e2e_install: ${var} not set")
  endif()
endforeach()

if(NOT EXISTS "${CHROMIUM}")
  message(FATAL_ERROR "web_e2e: chromium not found at ${CHROMIUM}; install Debian's chromium "
    "(scripts/setup.sh does) and re-run.")
endif()

file(MAKE_DIRECTORY "${DEST_DIR}")
file(COPY_FILE "${SOURCE_DIR}/package.json" "${DEST_DIR}/package.json" ONLY_IF_DIFFERENT)
file(COPY_FILE "${SOURCE_DIR}/package-lock.json" "${DEST_DIR}/package-lock.json" ONLY_IF_DIFFERENT)

# The lock file npm ci last installed from, kept beside node_modules.
set(stamp "${DEST_DIR}/installed-package-lock.json")
file(READ "${DEST_DIR}/package-lock.json" wanted)
if(EXISTS "${stamp}" AND EXISTS "${DEST_DIR}/node_modules/playwright-core/package.json")
  file(READ "${stamp}" installed)
  if(installed STREQUAL wanted)
    message(STATUS "web_e2e: playwright-core already installed in ${DEST_DIR}")
    return()
  endif()
endif()

find_program(NPM npm)
if(NOT NPM)
  message(FATAL_ERROR "web_e2e: npm not found; install it (scripts/setup.sh does) and re-run.")
endif()
file(REMOVE "${stamp}")
execute_process(COMMAND "${NPM}" ci --no-audit --no-fund
  WORKING_DIRECTORY "${DEST_DIR}" RESULT_VARIABLE result)
if(NOT result EQUAL 0 OR NOT EXISTS "${DEST_DIR}/node_modules/playwright-core/package.json")
  message(FATAL_ERROR "web_e2e: npm ci in ${DEST_DIR} failed (${result}): playwright-core is "
    "not installed, so the browser tests cannot run.")
endif()
file(COPY_FILE "${DEST_DIR}/package-lock.json" "${stamp}")
message(STATUS "web_e2e: playwright-core installed in ${DEST_DIR}")
