# engine/events: TensorBoard event files (docs/events.md). Known answers from FORMATS.md §1.2,
# truncation and corruption, a reader following a live writer, hostile input, the foreign
# logs of ../shared/testdata/foreign, and an independent reader/writer in Python.
loom_add_test(events_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tfrecord_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/reader_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/bad_input_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/foreign_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/python_interop_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/training_log_test.cpp
  LIBS nlohmann_json::nlohmann_json Threads::Threads loom_event_proto
  LABELS engine)
# The confusion matrix's per-class scores against scikit-learn, on a real run's matrices.
loom_add_test(events_confusion_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/confusion_test.cpp
  LIBS nlohmann_json::nlohmann_json LABELS engine)
# The scalar fast path of the reader against the full protobuf parse, on real files.
loom_add_test(events_fast_path_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/fast_path_test.cpp
  LIBS loom_event_proto LABELS engine)
