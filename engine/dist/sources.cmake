target_sources(loom_engine PRIVATE ${CMAKE_CURRENT_LIST_DIR}/gradient_sync.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/communicator.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/host_check.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/launcher.cpp
                                   ${CMAKE_CURRENT_LIST_DIR}/timeline.cpp)
