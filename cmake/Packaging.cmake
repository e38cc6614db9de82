# SPDX-License-Identifier: BSL-1.0
# The Debian packages, by CPack: `cpack -G DEB` in a build directory (release) makes
#   chatd        the daemon, its web client, systemd unit, example configuration (a conffile),
#                man page chatd(8) and bash completion
#   chatcli      the terminal client, chatcli(1) and bash completion
#   libchat-dev  the headers, the static library, the CMake package and libchat.pc
# from the install rules' components of the same names. Each carries
# /usr/share/doc/<package>/copyright (DEP-5) and changelog.Debian.gz
# (cmake/LibchatDistFiles.cmake). tests/package/debian_packages.sh builds them, unpacks them
# into a scratch root, runs and lints them.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME libchat)
set(CPACK_PACKAGE_VENDOR "libchat")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${LIBCHAT_MAINTAINER}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${LIBCHAT_HOMEPAGE}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")

# Installed with the prefix /usr into a staging DESTDIR, so that what goes to /etc (the
# example configuration, apps/chatd/CMakeLists.txt) lands in the package's /etc.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL libchat-dev)
if(LIBCHAT_BUILD_APPS)
  list(APPEND CPACK_COMPONENTS_ALL chatd chatcli)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <package>_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE ${LIBCHAT_DEBIAN_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${LIBCHAT_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${LIBCHAT_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# Depends from the binaries' shared libraries (dpkg-shlibdeps): libc, libstdc++, OpenSSL,
# readline, Boost.ProgramOptions...
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Descriptions: the first line is the synopsis, the rest the extended description. CPackDeb
# would put the project's summary above each unless the summary is CPack's default one.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")

set(CPACK_DEBIAN_CHATD_PACKAGE_NAME chatd)
set(CPACK_DEBIAN_CHATD_PACKAGE_SUGGESTS chatcli)
set(CPACK_DEBIAN_CHATD_DESCRIPTION "chat server of libchat
chatd serves chat rooms over libchat's binary protocol on TCP, optionally over
TLS, and to browsers over WebSocket with the bundled web client. It keeps each
room's recent history in memory, paces flooding clients, limits connections
per address, and reloads its configuration and TLS files on SIGHUP.

The package installs a systemd unit (not enabled) and an example
configuration in /etc/chatd.")
# The example configuration is the administrator's to edit: kept across upgrades.
file(WRITE "${PROJECT_BINARY_DIR}/dist/chatd/conffiles" "/etc/chatd/chatd.conf\n")
set(CPACK_DEBIAN_CHATD_PACKAGE_CONTROL_EXTRA "${PROJECT_BINARY_DIR}/dist/chatd/conffiles")
set(CPACK_DEBIAN_CHATD_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_CHATCLI_PACKAGE_NAME chatcli)
set(CPACK_DEBIAN_CHATCLI_DESCRIPTION "terminal client for libchat chat servers
chatcli connects to a chatd server (plain TCP or TLS), joins rooms and sends
and shows messages. Interactive, it edits lines with GNU readline, keeps a
history and reconnects; piped, it reads and writes plain lines, for scripts.")

set(CPACK_DEBIAN_LIBCHAT-DEV_PACKAGE_NAME libchat-dev)
set(CPACK_DEBIAN_LIBCHAT-DEV_PACKAGE_SECTION libdevel)
# No shared object to derive them from: the headers need Boost's, the static library OpenSSL.
set(CPACK_DEBIAN_LIBCHAT-DEV_PACKAGE_DEPENDS "libboost1.81-dev, libssl-dev (>= 3.0)")
set(CPACK_DEBIAN_LIBCHAT-DEV_DESCRIPTION "C++20 chat library over Boost.Asio (development files)
libchat is a C++20 library for chat servers and clients over Boost.Asio: the
protocol's messages and codec, a multi-threaded server (TCP, TLS, WebSocket)
and an asynchronous client.

This package holds the headers, the static library, the CMake package
(find_package(libchat), target libchat::chat) and the pkg-config file libchat.")

# `cpack --config CPackSourceConfig.cmake`: the sources as a tarball, without build trees.
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/build/" "/\\.git(/|$)" "/\\.cache/" "/node_modules/")

include(CPack)
