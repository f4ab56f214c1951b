# What is particular to each backend; the op harness (ops.cmake) checks their numbers.
loom_add_test(cpu_backend_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/backends/cpu_backend_test.cpp
              LIBS loom_ops_harness DNNL::dnnl LABELS engine)
