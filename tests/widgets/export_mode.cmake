# Export mode: pre-flight, export and OpenCV parity off the GUI thread (latency probe), Python's
# ONNX checker on the file, the card preview, cancel, an unexportable node selected in Design.
loom_add_qt_test(loom_export_mode_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/export_mode_test.cpp)
target_link_libraries(loom_export_mode_test PRIVATE loom_interop)
set_tests_properties(loom_export_mode_test PROPERTIES TIMEOUT 600)
