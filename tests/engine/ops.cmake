# The op harness (tests/engine/ops): every registered op on every backend against the
# reference kernel, PyTorch and finite differences, plus shapes, errors, cost and behaviour.
add_library(loom_ops_harness STATIC
  ${CMAKE_CURRENT_LIST_DIR}/ops/op_case.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ops/op_cases.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ops/op_backends.cpp)
target_link_libraries(loom_ops_harness PUBLIC loom_engine)
loom_set_warnings(loom_ops_harness)

loom_add_test(ops_coverage_test SOURCES ops/ops_coverage_test.cpp LIBS loom_ops_harness LABELS engine)
loom_add_test(ops_backends_test SOURCES ops/ops_backends_test.cpp LIBS loom_ops_harness LABELS engine)
loom_add_test(ops_torch_test SOURCES ops/ops_torch_test.cpp LIBS loom_ops_harness loom_torch_exchange
              LABELS engine)
loom_add_test(ops_gradcheck_test SOURCES ops/ops_gradcheck_test.cpp LIBS loom_ops_harness LABELS engine)
loom_add_test(ops_shape_test SOURCES ops/ops_shape_test.cpp LABELS engine)
loom_add_test(ops_behaviour_test SOURCES ops/ops_behaviour_test.cpp LIBS loom_ops_harness LABELS engine)
