# engine/explain: attributions against PyTorch (tests/python/torch_explain_reference.py) and
# exact references (Shapley enumeration, linear models, OpenCV's own SLIC through python cv2).
set(_explain ${CMAKE_CURRENT_LIST_DIR}/explain)
loom_add_test(explain_gradients_test SOURCES ${_explain}/explain_gradients_test.cpp
              LIBS loom_torch_exchange LABELS engine explain)
loom_add_test(explain_superpixel_methods_test
              SOURCES ${_explain}/explain_superpixel_methods_test.cpp
              LIBS loom_torch_exchange LABELS engine explain)
# A third-party explainer plugin (and one that takes a built-in's name), outside the folders
# Loom searches; explain_registry_test loads them through the plugin loader.
set(EXPLAIN_TEST_PLUGINS ${PROJECT_BINARY_DIR}/test-explain-plugins)
foreach(case good duplicate)
  add_library(loom_test_explainer_${case} MODULE ${_explain}/test_explainer_plugin.cpp)
  target_link_libraries(loom_test_explainer_${case} PRIVATE loom_engine)
  target_compile_definitions(loom_test_explainer_${case} PRIVATE TEST_EXPLAINER_${case})
  set_target_properties(loom_test_explainer_${case} PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY ${EXPLAIN_TEST_PLUGINS}/${case} OUTPUT_NAME loom_test_explainer
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  loom_set_warnings(loom_test_explainer_${case})
  configure_file(${_explain}/test_explainer_${case}.json
                 ${EXPLAIN_TEST_PLUGINS}/${case}/loom-plugin.json COPYONLY)
endforeach()
loom_add_test(explain_registry_test SOURCES ${_explain}/explain_registry_test.cpp
              LABELS engine explain)
target_compile_definitions(explain_registry_test PRIVATE
  LOOM_EXPLAIN_TEST_PLUGINS="${EXPLAIN_TEST_PLUGINS}")
add_dependencies(explain_registry_test loom_test_explainer_good loom_test_explainer_duplicate)
loom_add_test(explain_faithfulness_test SOURCES ${_explain}/explain_faithfulness_test.cpp
              LABELS engine explain)
