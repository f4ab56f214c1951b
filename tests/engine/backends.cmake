# Backend tests: each backend's kernels against the ops' reference kernels.
loom_add_test(cpu_backend_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/backends/cpu_backend_test.cpp
              LIBS DNNL::dnnl LABELS engine)
