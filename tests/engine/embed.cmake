# engine/embed: projector files, PCA, kNN, t-SNE, UMAP, trajectories, activation extraction.
# The references are scikit-learn, SciPy, NumPy and python protobuf at LOOM_PYTHON
# (tests/python/embed_reference.py, tests/python/projector_reference.py).
set(_embed ${CMAKE_CURRENT_LIST_DIR}/embed)
loom_add_test(embed_projector_test SOURCES ${_embed}/projector_test.cpp
              LIBS loom_embed LABELS "engine;embed")
loom_add_test(embed_projection_test SOURCES ${_embed}/projection_test.cpp
              LIBS loom_embed LABELS "engine;embed")
loom_add_test(embed_quality_test SOURCES ${_embed}/quality_test.cpp
              LIBS loom_embed LABELS "engine;embed")
