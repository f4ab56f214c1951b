# Training settings (Document::setTrainingSettings and Model → Training Settings…): undo/redo
# give back the exact file, invalid values are refused with a message, the dialog's editors.
find_package(Qt6 REQUIRED COMPONENTS Test Widgets)
loom_add_qt_test(loom_training_settings_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/training_settings_test.cpp)
