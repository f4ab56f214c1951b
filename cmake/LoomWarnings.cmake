# Warnings for Loom's own targets. Third-party headers come in as SYSTEM includes.
function(loom_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
                         -Wnon-virtual-dtor -Woverloaded-virtual -Wno-unused-parameter)
  # Shadowing a local is the bug worth a warning; GCC and clang spell it differently.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wshadow=local)
  else()
    target_compile_options(${target} PRIVATE -Wshadow-uncaptured-local)
  endif()
endfunction()
