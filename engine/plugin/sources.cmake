# Plugins: the API a plugin implements, its manifest, where Loom looks, and the loader.
target_sources(loom_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/plugin_api.h
  ${CMAKE_CURRENT_LIST_DIR}/plugin_loader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/plugin_loader.h
  ${CMAKE_CURRENT_LIST_DIR}/plugin_manifest.cpp
  ${CMAKE_CURRENT_LIST_DIR}/plugin_manifest.h
  ${CMAKE_CURRENT_LIST_DIR}/plugin_search.cpp
  ${CMAKE_CURRENT_LIST_DIR}/plugin_search.h)
# The build tree's plugins are found only by executables that run from this build tree.
set_property(SOURCE ${CMAKE_CURRENT_LIST_DIR}/plugin_search.cpp APPEND PROPERTY
  COMPILE_DEFINITIONS LOOM_BUILD_DIR="${PROJECT_BINARY_DIR}")
target_link_libraries(loom_engine PRIVATE nlohmann_json::nlohmann_json)
