# The Design-mode canvas: scene items, scene, view, minimap and Graphviz auto-layout.
target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/auto_layout.h
  ${CMAKE_CURRENT_LIST_DIR}/auto_layout.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_items.h
  ${CMAKE_CURRENT_LIST_DIR}/graph_items.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_scene.h
  ${CMAKE_CURRENT_LIST_DIR}/graph_scene.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_view.h
  ${CMAKE_CURRENT_LIST_DIR}/graph_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/graph_view_menu.cpp
  ${CMAKE_CURRENT_LIST_DIR}/minimap.h
  ${CMAKE_CURRENT_LIST_DIR}/minimap.cpp)
