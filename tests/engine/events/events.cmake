# engine/events: TensorBoard event files (docs/events.md). Known answers from FORMATS.md §1.2,
# truncation and corruption, a reader following a live writer, hostile input, the foreign
# logs of ../shared/testdata/foreign, and an independent reader/writer in Python.
loom_add_test(events_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tfrecord_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/reader_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/bad_input_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/foreign_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/python_interop_test.cpp
  LIBS nlohmann_json::nlohmann_json Threads::Threads loom_event_proto
  LABELS engine)
# The foreign logs sit in ../shared beside the checkout (one level up more for a worktree
# under wt/); LOOM_FOREIGN_TESTDATA overrides. Absent, the foreign tests fail and say where.
set(_foreign "${PROJECT_SOURCE_DIR}/../shared/testdata/foreign")
if(NOT EXISTS "${_foreign}" AND EXISTS "${PROJECT_SOURCE_DIR}/../../shared/testdata/foreign")
  set(_foreign "${PROJECT_SOURCE_DIR}/../../shared/testdata/foreign")
endif()
set(LOOM_FOREIGN_TESTDATA "${_foreign}" CACHE PATH "Foreign event files (../shared/testdata/foreign)")
target_compile_definitions(events_test PRIVATE LOOM_FOREIGN_DIR="${LOOM_FOREIGN_TESTDATA}")
