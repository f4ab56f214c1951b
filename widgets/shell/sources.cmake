# The studio's window and the panels its modes use (MainWindow, palette, properties, problems,
# autosave...).
target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/about_plugins_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/about_plugins_dialog.h
  ${CMAKE_CURRENT_LIST_DIR}/autosave.cpp
  ${CMAKE_CURRENT_LIST_DIR}/autosave.h
  ${CMAKE_CURRENT_LIST_DIR}/background.cpp
  ${CMAKE_CURRENT_LIST_DIR}/background.h
  ${CMAKE_CURRENT_LIST_DIR}/float_spin_box.h
  ${CMAKE_CURRENT_LIST_DIR}/format.cpp
  ${CMAKE_CURRENT_LIST_DIR}/format.h
  ${CMAKE_CURRENT_LIST_DIR}/group_box.h
  ${CMAKE_CURRENT_LIST_DIR}/image_export.cpp
  ${CMAKE_CURRENT_LIST_DIR}/image_export.h
  ${CMAKE_CURRENT_LIST_DIR}/main_window.cpp
  ${CMAKE_CURRENT_LIST_DIR}/main_window_import.cpp
  ${CMAKE_CURRENT_LIST_DIR}/main_window.h
  ${CMAKE_CURRENT_LIST_DIR}/palette_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/palette_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/problems_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/problems_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/properties_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/properties_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/shortcuts_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/shortcuts_dialog.h
  ${CMAKE_CURRENT_LIST_DIR}/start_page.cpp
  ${CMAKE_CURRENT_LIST_DIR}/start_page.h
  ${CMAKE_CURRENT_LIST_DIR}/status_summary.cpp
  ${CMAKE_CURRENT_LIST_DIR}/status_summary.h
  ${CMAKE_CURRENT_LIST_DIR}/training_settings_dialog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/training_settings_dialog.h
  ${CMAKE_CURRENT_LIST_DIR}/theme.cpp
  ${CMAKE_CURRENT_LIST_DIR}/theme.h
  ${PROJECT_SOURCE_DIR}/resources/studio.qrc)
