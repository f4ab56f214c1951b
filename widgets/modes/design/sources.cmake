# Design mode: the graph editor (canvas and its docks) as a StudioMode.
target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/design_mode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/design_mode.h)
