target_sources(loom_widgets PRIVATE ${CMAKE_CURRENT_LIST_DIR}/document.h)
