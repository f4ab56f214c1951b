# Export mode: pre-flight list, the options of `loom export` (engine/interop/export_job.h),
# export and OpenCV parity check off the GUI thread, parity table, model card preview.
target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/export.qrc
  ${CMAKE_CURRENT_LIST_DIR}/export_mode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/export_mode.h
  ${CMAKE_CURRENT_LIST_DIR}/export_options_form.cpp
  ${CMAKE_CURRENT_LIST_DIR}/export_options_form.h
  ${CMAKE_CURRENT_LIST_DIR}/export_runner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/export_runner.h
  ${CMAKE_CURRENT_LIST_DIR}/parity_table.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parity_table.h
  ${CMAKE_CURRENT_LIST_DIR}/preflight_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/preflight_panel.h)
