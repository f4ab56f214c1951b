# Acceptance: build resources/examples/cnn.loom on an empty canvas with the studio's own gestures
# (palette drops, port drags, Properties editors), save it, compare with the example.
find_package(Qt6 REQUIRED COMPONENTS Test Widgets)
loom_add_qt_test(loom_build_cnn_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/build_cnn_test.cpp)
