# Studio modes (widgets/modes): the mode bar and View menu follow the list of modes, switching by
# click and by Ctrl+N, per-mode actions and docks, state across a restart.
find_package(Qt6 REQUIRED COMPONENTS Test Widgets)
loom_add_qt_test(loom_modes_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/modes_test.cpp)
