# Transfer learning in the studio: File → Import ONNX… (a PyTorch CNN), the node context menu's
# cut / append head / freeze, frozen cards, and a frozen fine-tune in Train mode.
loom_add_qt_test(loom_transfer_studio_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/transfer_studio_test.cpp)
target_compile_definitions(loom_transfer_studio_test PRIVATE LOOM_PYTHON="${LOOM_PYTHON}")
set_tests_properties(loom_transfer_studio_test PROPERTIES TIMEOUT 600)
