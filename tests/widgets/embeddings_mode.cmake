# Embeddings mode in a real window under Xvfb (the point view is OpenGL: GLX on Mesa's llvmpipe):
# a projector directory of MLP test-set embeddings over two checkpoints written by `loom embed`,
# t-SNE live, neighbours against a brute-force kNN, the lasso against an independent
# point-in-polygon, the checkpoint slider, exports; a GUI latency probe.
find_program(LOOM_XVFB_RUN xvfb-run REQUIRED)
add_executable(loom_embeddings_mode_test ${CMAKE_CURRENT_LIST_DIR}/embeddings_mode_test.cpp)
set_target_properties(loom_embeddings_mode_test PROPERTIES AUTOMOC ON)
target_link_libraries(loom_embeddings_mode_test PRIVATE loom_widgets Qt6::Test)
target_compile_definitions(loom_embeddings_mode_test PRIVATE
  LOOM_SOURCE_DIR="${PROJECT_SOURCE_DIR}" LOOM_BIN="$<TARGET_FILE:loom>")
add_dependencies(loom_embeddings_mode_test loom)
loom_set_warnings(loom_embeddings_mode_test)
add_test(NAME loom_embeddings_mode_test
  COMMAND ${LOOM_XVFB_RUN} -a -s "-screen 0 1600x1000x24" $<TARGET_FILE:loom_embeddings_mode_test>)
set_tests_properties(loom_embeddings_mode_test PROPERTIES LABELS studio TIMEOUT 600
  ENVIRONMENT "QT_QPA_PLATFORM=xcb;XDG_CONFIG_HOME=${CMAKE_CURRENT_BINARY_DIR}/config/loom_embeddings_mode_test")
