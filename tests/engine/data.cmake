# IDX/CSV readers, Fashion-MNIST, transforms and the batch loader.
loom_add_test(data_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/data/data_test.cpp
              LIBS ZLIB::ZLIB LABELS engine)
loom_add_test(npy_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/npy_test.cpp LABELS engine)
