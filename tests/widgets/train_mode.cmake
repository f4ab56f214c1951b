# Train mode and the dashboard: Start/Pause/Resume/Stop/Continue on real Fashion-MNIST with a
# GUI latency probe; the run store's bad-input messages; smoothing/decimation against NumPy.
loom_add_qt_test(loom_train_mode_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/train_mode_test.cpp)
set_tests_properties(loom_train_mode_test PROPERTIES TIMEOUT 300)
loom_add_qt_test(loom_series_math_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/series_math_test.cpp)
loom_add_qt_test(loom_run_store_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/run_store_test.cpp)
# The Confusion tab on two real runs: every number shown equals the engine's summary.
loom_add_qt_test(loom_confusion_panel_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/confusion_panel_test.cpp)
set_tests_properties(loom_confusion_panel_test PROPERTIES TIMEOUT 300)
# Charts of many runs: the worker's image against QCustomPlot's own drawing of the same curves.
loom_add_qt_test(loom_curve_raster_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/curve_raster_test.cpp)
# The settings panel with only a log directory open: the current run's model.loom, or unknown.
loom_add_qt_test(loom_settings_summary_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/settings_summary_test.cpp)
