# Help → About Plugins: the dialog lists the build tree's image_folder plugin as loaded and a
# plugin with the wrong API version as refused, with the reason.
find_package(Qt6 REQUIRED COMPONENTS Test Widgets)
loom_add_qt_test(loom_about_plugins_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/about_plugins_test.cpp)
target_compile_definitions(loom_about_plugins_test PRIVATE LOOM_BINARY_DIR="${PROJECT_BINARY_DIR}")
add_dependencies(loom_about_plugins_test loom_image_folder loom_test_wrong_manifest_api)
