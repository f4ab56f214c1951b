# Embeddings mode: the projector view (OpenGL point view, neighbours, lasso, checkpoint
# slider, live projections over engine/embed).
find_package(Qt6 REQUIRED COMPONENTS OpenGL Concurrent)
target_link_libraries(loom_widgets PUBLIC Qt6::OpenGL loom_embed)
target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/embedding_set.cpp
  ${CMAKE_CURRENT_LIST_DIR}/embedding_set.h
  ${CMAKE_CURRENT_LIST_DIR}/embeddings.qrc
  ${CMAKE_CURRENT_LIST_DIR}/embeddings_mode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/embeddings_mode.h
  ${CMAKE_CURRENT_LIST_DIR}/neighbors_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/neighbors_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/point_style.cpp
  ${CMAKE_CURRENT_LIST_DIR}/point_style.h
  ${CMAKE_CURRENT_LIST_DIR}/point_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/point_view.h
  ${CMAKE_CURRENT_LIST_DIR}/points_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/points_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/projection_job.cpp
  ${CMAKE_CURRENT_LIST_DIR}/projection_job.h
  ${CMAKE_CURRENT_LIST_DIR}/projection_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/projection_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/view_camera.cpp
  ${CMAKE_CURRENT_LIST_DIR}/view_camera.h)
