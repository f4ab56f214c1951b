target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings_docs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings_input.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings_table.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp)
