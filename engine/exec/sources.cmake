target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/parameters.cpp
  ${CMAKE_CURRENT_LIST_DIR}/plan.cpp)
