target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/adam.cpp
  ${CMAKE_CURRENT_LIST_DIR}/clip.cpp
  ${CMAKE_CURRENT_LIST_DIR}/optimizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rmsprop.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schedule.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sgd.cpp)
# The update loops take square roots of non-negative values only; without errno handling
# GCC can vectorise them.
set_source_files_properties(
  ${CMAKE_CURRENT_LIST_DIR}/adam.cpp ${CMAKE_CURRENT_LIST_DIR}/rmsprop.cpp
  PROPERTIES COMPILE_OPTIONS -fno-math-errno)
