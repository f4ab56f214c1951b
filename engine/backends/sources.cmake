target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/default_backends.cpp
  ${CMAKE_CURRENT_LIST_DIR}/reference/reference_backend.cpp)
include(${CMAKE_CURRENT_LIST_DIR}/cpu/sources.cmake)
