target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/op.cpp
  ${CMAKE_CURRENT_LIST_DIR}/builtin_ops.cpp)
