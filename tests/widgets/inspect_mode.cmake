# Inspect mode in a real window: a CNN trained in the fixture, a misclassified sample, four
# methods whose maps equal engine/explain's own, class switch and compare, hover, export, a run
# over a class cancelled half-way, filter counts against a direct count; a GUI latency probe.
loom_add_qt_test(loom_inspect_mode_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/inspect_mode_test.cpp)
set_tests_properties(loom_inspect_mode_test PROPERTIES TIMEOUT 300)
