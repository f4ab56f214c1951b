target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/document.h
  ${CMAKE_CURRENT_LIST_DIR}/document.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_commands.h
  ${CMAKE_CURRENT_LIST_DIR}/document_commands.cpp
  ${CMAKE_CURRENT_LIST_DIR}/document_transfer.cpp)
