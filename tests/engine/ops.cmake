# Op tests (engine/ops): PyTorch comparison, finite differences, shapes/errors/cost.
set(LOOM_OPS_TEST_UTIL ops/op_test_util.cpp ops/op_cases.cpp)
loom_add_test(ops_torch_test SOURCES ops/ops_torch_test.cpp ${LOOM_OPS_TEST_UTIL}
              LIBS nlohmann_json::nlohmann_json LABELS engine)
loom_add_test(ops_gradcheck_test SOURCES ops/ops_gradcheck_test.cpp ${LOOM_OPS_TEST_UTIL}
              LABELS engine)
loom_add_test(ops_shape_test SOURCES ops/ops_shape_test.cpp LABELS engine)
loom_add_test(ops_behaviour_test SOURCES ops/ops_behaviour_test.cpp ${LOOM_OPS_TEST_UTIL}
              LABELS engine)
