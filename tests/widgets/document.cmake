# Document (widgets/document): headless unit tests and the random-edit property test.
find_package(Qt6 REQUIRED COMPONENTS Test Widgets Concurrent)
loom_add_qt_test(loom_document_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/document_test.cpp)
loom_add_qt_test(loom_document_property_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/document_property_test.cpp)
