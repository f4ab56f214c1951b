# engine/embed: projector files, PCA, kNN, t-SNE, UMAP, trajectories, activation extraction.
# The references are scikit-learn, SciPy, NumPy and python protobuf at LOOM_PYTHON
# (tests/python/embed_reference.py, tests/python/projector_reference.py).
set(_embed ${CMAKE_CURRENT_LIST_DIR}/embed)
# Third-party files (../shared/testdata/foreign beside the checkout; a worktree one level deeper
# finds it at ../../shared). Absent: the tests that need it fail and say so.
set(_foreign ${PROJECT_SOURCE_DIR}/../shared/testdata/foreign)
if(NOT EXISTS ${_foreign} AND EXISTS ${PROJECT_SOURCE_DIR}/../../shared/testdata/foreign)
  set(_foreign ${PROJECT_SOURCE_DIR}/../../shared/testdata/foreign)
endif()
loom_add_test(embed_projector_test SOURCES ${_embed}/projector_test.cpp
              LIBS loom_embed LABELS "engine;embed")
loom_add_test(embed_projection_test SOURCES ${_embed}/projection_test.cpp
              LIBS loom_embed LABELS "engine;embed")
loom_add_test(embed_quality_test SOURCES ${_embed}/quality_test.cpp
              LIBS loom_embed LABELS "engine;embed")
target_compile_definitions(embed_projector_test PRIVATE LOOM_FOREIGN_TESTDATA="${_foreign}")
