# Canvas (widgets/canvas): view and scene driven by real events on the offscreen platform.
find_package(Qt6 REQUIRED COMPONENTS Test Widgets Concurrent)
loom_add_qt_test(loom_canvas_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/canvas_test.cpp)
# The same checks at device pixel ratio 2 (clean high-DPI rendering, FORMATS.md §5.2).
add_test(NAME loom_canvas_test_hidpi COMMAND loom_canvas_test)
set_tests_properties(loom_canvas_test_hidpi PROPERTIES LABELS studio
  ENVIRONMENT "QT_QPA_PLATFORM=offscreen;QT_SCALE_FACTOR=2;XDG_CONFIG_HOME=${CMAKE_CURRENT_BINARY_DIR}/config/loom_canvas_test_hidpi")
