# SPDX-License-Identifier: BSL-1.0
# libchat_install_gzipped(<source> <destination dir> <component> [NAME <installed name>]):
# installs <source> compressed as Debian wants man pages and changelogs (gzip -9n: best
# compression, no name or time stamp, so the same file gives the same bytes), as
# <installed name>.gz (default: the source's own name).
function(libchat_install_gzipped source destination component)
  cmake_parse_arguments(PARSE_ARGV 3 arg "" "NAME" "")
  if(NOT arg_NAME)
    get_filename_component(arg_NAME "${source}" NAME)
  endif()
  string(MAKE_C_IDENTIFIER "${component}_${arg_NAME}" stem)
  set(output "${PROJECT_BINARY_DIR}/dist/${component}/${arg_NAME}.gz")
  add_custom_command(OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${PROJECT_BINARY_DIR}/dist/${component}"
    COMMAND sh -c "gzip -9n -c \"$1\" > \"$2\"" sh "${source}" "${output}"
    DEPENDS "${source}" VERBATIM)
  add_custom_target(gzip_${stem} ALL DEPENDS "${output}")
  install(FILES "${output}" DESTINATION "${destination}" COMPONENT ${component})
endfunction()

# libchat_install_package_docs(<component>): /usr/share/doc/<package>/copyright (DEP-5,
# dist/debian/<component>.copyright) and changelog.Debian.gz (dist/debian/changelog, a
# template), which every Debian package carries. @maintainer@ and @homepage@ and the
# package's name and version are filled in.
function(libchat_install_package_docs component)
  set(package ${component})
  set(version "${PROJECT_VERSION}-${LIBCHAT_DEBIAN_RELEASE}")
  set(maintainer "${LIBCHAT_MAINTAINER}")
  set(homepage "${LIBCHAT_HOMEPAGE}")
  set(dir "${PROJECT_BINARY_DIR}/dist/${component}")
  configure_file("${PROJECT_SOURCE_DIR}/dist/debian/${component}.copyright" "${dir}/copyright" @ONLY)
  configure_file("${PROJECT_SOURCE_DIR}/dist/debian/changelog" "${dir}/changelog.Debian" @ONLY)
  set(docdir "${CMAKE_INSTALL_DATADIR}/doc/${package}")
  install(FILES "${dir}/copyright" DESTINATION "${docdir}" COMPONENT ${component})
  libchat_install_gzipped("${dir}/changelog.Debian" "${docdir}" ${component})
endfunction()
