# Inspect mode: attribution maps of test samples side by side (engine/explain on a worker
# thread), the sample browser with filters, batch runs sorted by deletion AUC.
target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/attribution_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attribution_view.h
  ${CMAKE_CURRENT_LIST_DIR}/inspect.qrc
  ${CMAKE_CURRENT_LIST_DIR}/inspect_mode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/inspect_mode.h
  ${CMAKE_CURRENT_LIST_DIR}/inspect_panels.cpp
  ${CMAKE_CURRENT_LIST_DIR}/inspect_types.cpp
  ${CMAKE_CURRENT_LIST_DIR}/inspect_types.h
  ${CMAKE_CURRENT_LIST_DIR}/inspect_worker.cpp
  ${CMAKE_CURRENT_LIST_DIR}/inspect_worker.h
  ${CMAKE_CURRENT_LIST_DIR}/sample_table_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sample_table_model.h)
