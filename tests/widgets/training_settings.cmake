# Training settings (Document::setTrainingSettings and Model → Training Settings…): undo/redo
# give back the exact file, invalid values are refused with a message, the dialog's editors.
find_package(Qt6 REQUIRED COMPONENTS Test Widgets)
loom_add_qt_test(loom_training_settings_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/training_settings_test.cpp)
# One verdict and one message for 200 random settings from the engine's validator, the
# Document and a real `loom train FILE --check` process.
loom_add_qt_test(loom_settings_verdict_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/settings_verdict_test.cpp)
target_compile_definitions(loom_settings_verdict_test PRIVATE LOOM_CLI="$<TARGET_FILE:loom>")
add_dependencies(loom_settings_verdict_test loom)
