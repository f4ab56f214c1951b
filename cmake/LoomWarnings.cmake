# Warnings for Loom's own targets. Third-party headers come in as SYSTEM includes.
function(loom_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                         -Wnon-virtual-dtor -Woverloaded-virtual -Wno-unused-parameter)
endfunction()
