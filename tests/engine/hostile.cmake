# Hostile and degenerate inputs (issue "Hostile and degenerate inputs"): files that lie.
loom_add_test(checkpoint_hostile_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hostile/checkpoint_hostile_test.cpp LABELS engine)
loom_add_test(files_hostile_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hostile/files_hostile_test.cpp LABELS engine)
loom_add_test(metrics_hostile_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hostile/metrics_hostile_test.cpp LABELS engine)
loom_add_test(csv_hostile_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hostile/csv_hostile_test.cpp LABELS engine)
loom_add_test(model_file_hostile_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hostile/model_file_hostile_test.cpp LABELS engine)
