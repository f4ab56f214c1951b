# engine/explain: attributions against PyTorch (tests/python/torch_explain_reference.py) and
# exact references (Shapley enumeration, linear models, OpenCV's own SLIC through python cv2).
set(_explain ${CMAKE_CURRENT_LIST_DIR}/explain)
loom_add_test(explain_gradients_test SOURCES ${_explain}/explain_gradients_test.cpp
              LIBS loom_torch_exchange LABELS engine explain)
loom_add_test(explain_superpixel_methods_test
              SOURCES ${_explain}/explain_superpixel_methods_test.cpp
              LIBS loom_torch_exchange LABELS engine explain)
