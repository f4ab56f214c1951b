# ONNX export and import (issue 8; docs/onnx.md): engine tests of engine/interop.
find_package(ONNX REQUIRED)
loom_add_test(onnx_import_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/interop/onnx_import_test.cpp
              LIBS loom_interop onnx_proto nlohmann_json::nlohmann_json LABELS "engine;interop")
loom_add_test(onnx_export_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/interop/onnx_export_test.cpp
              LIBS loom_interop onnx_proto LABELS "engine;interop")
target_compile_definitions(onnx_export_test PRIVATE LOOM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# Every example, trained briefly, at opset 13 and 17: Python's checker and OpenCV parity.
add_test(NAME onnx_export_examples
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/interop/export_examples.sh $<TARGET_FILE:loom>
                 ${LOOM_PYTHON} ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/onnx_examples 5)
set_tests_properties(onnx_export_examples PROPERTIES LABELS "engine;interop" TIMEOUT 900)
# A CNN defined and trained in PyTorch, exported by torch.onnx.export at opset 13: imported,
# it gives PyTorch's outputs; exported again, OpenCV gives them too.
add_test(NAME onnx_torch_cnn
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/interop/torch_cnn.sh $<TARGET_FILE:loom>
                 ${LOOM_PYTHON} ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/onnx_torch)
set_tests_properties(onnx_torch_cnn PROPERTIES LABELS "engine;interop" TIMEOUT 900)
# GELU exported as its formula: both forms by loom export's OpenCV parity check (OpenCV 4.6
# runs Erf and Tanh), the Erf form also by a NumPy/SciPy evaluation of the file.
add_test(NAME onnx_gelu_export
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/interop/gelu_export.sh $<TARGET_FILE:loom>
                 ${LOOM_PYTHON} ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/onnx_gelu)
set_tests_properties(onnx_gelu_export PROPERTIES LABELS "engine;interop" TIMEOUT 600)
# nn.GELU() and nn.GELU(approximate='tanh') exported by torch.onnx.export at opset 13: each
# formula imports as one GELU node, and Loom (and OpenCV on the file) give PyTorch's outputs
# within 1e-5. Fails, never skips, without torch.
add_test(NAME onnx_torch_gelu_import
         COMMAND ${LOOM_PYTHON} ${PROJECT_SOURCE_DIR}/tests/python/torch_gelu_onnx.py
                 $<TARGET_FILE:loom> ${CMAKE_CURRENT_BINARY_DIR}/onnx_torch_gelu)
set_tests_properties(onnx_torch_gelu_import PROPERTIES LABELS "engine;interop" TIMEOUT 300)
