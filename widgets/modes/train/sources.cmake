# Train mode: Start/Pause/Resume/Stop over a Trainer on a worker thread, and the dashboard
# (run store, run list, scalar charts with off-thread decimation).
find_package(QCustomPlotQt6 REQUIRED)
target_link_libraries(loom_widgets PUBLIC QCustomPlotQt6::QCustomPlotQt6)
target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/confusion_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/confusion_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/curve_raster.cpp
  ${CMAKE_CURRENT_LIST_DIR}/curve_raster.h
  ${CMAKE_CURRENT_LIST_DIR}/decimator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decimator.h
  ${CMAKE_CURRENT_LIST_DIR}/histograms_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/histograms_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/images_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/images_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/node_stats.h
  ${CMAKE_CURRENT_LIST_DIR}/run_list_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_list_model.h
  ${CMAKE_CURRENT_LIST_DIR}/run_store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_store.h
  ${CMAKE_CURRENT_LIST_DIR}/run_tailer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_tailer.h
  ${CMAKE_CURRENT_LIST_DIR}/run_update.h
  ${CMAKE_CURRENT_LIST_DIR}/runs_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/runs_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/scalar_columns.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scalar_columns.h
  ${CMAKE_CURRENT_LIST_DIR}/scalar_chart.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scalar_chart.h
  ${CMAKE_CURRENT_LIST_DIR}/scalars_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scalars_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/series_math.cpp
  ${CMAKE_CURRENT_LIST_DIR}/series_math.h
  ${CMAKE_CURRENT_LIST_DIR}/settings_summary.cpp
  ${CMAKE_CURRENT_LIST_DIR}/settings_summary.h
  ${CMAKE_CURRENT_LIST_DIR}/train.qrc
  ${CMAKE_CURRENT_LIST_DIR}/train_mode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_mode.h
  ${CMAKE_CURRENT_LIST_DIR}/train_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/train_session.h)
