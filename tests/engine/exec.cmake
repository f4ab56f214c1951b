loom_add_test(exec_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/exec_test.cpp LABELS engine)
