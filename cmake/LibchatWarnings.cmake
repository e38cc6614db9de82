# libchat_set_warnings(<target>): the project's warning flags, -Werror when LIBCHAT_WERROR is on.
function(libchat_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  if(LIBCHAT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
