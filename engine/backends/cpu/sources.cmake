# The oneDNN CPU backend (docs/backend-cpu.md).
target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cpu_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/onednn_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dense_kernel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/conv_kernel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/conv_narrow_input.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pool_kernels.cpp
  ${CMAKE_CURRENT_LIST_DIR}/batch_norm_kernel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/eltwise_kernel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/softmax_kernel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/merge_kernels.cpp
  ${CMAKE_CURRENT_LIST_DIR}/flatten_kernel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dropout_kernel.cpp)
