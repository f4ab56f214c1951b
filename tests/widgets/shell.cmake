# Studio shell (widgets/shell, app/studio): main window, panels, files, autosave/recovery.
find_package(Qt6 REQUIRED COMPONENTS Test Widgets)
loom_add_qt_test(loom_shell_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/shell_test.cpp)
# The same tests' rendering check at 2x device pixel ratio (FORMATS.md §5.2).
add_test(NAME loom_shell_hidpi_test COMMAND loom_shell_test renderAtScale2)
set_tests_properties(loom_shell_hidpi_test PROPERTIES LABELS studio
  ENVIRONMENT "QT_QPA_PLATFORM=offscreen;QT_SCALE_FACTOR=2;XDG_CONFIG_HOME=${CMAKE_CURRENT_BINARY_DIR}/config/loom_shell_hidpi_test")
# End to end: start loom-studio, edit, wait for the autosave, SIGKILL, restart, restore.
# (loom-studio is built whenever these tests are: both need LOOM_BUILD_STUDIO.)
add_test(NAME loom_studio_crash_recovery
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/studio_crash_recovery.sh
                 $<TARGET_FILE:loom-studio> ${PROJECT_SOURCE_DIR})
set_tests_properties(loom_studio_crash_recovery PROPERTIES LABELS studio TIMEOUT 120)
# DISPLAY set but no X server there: a clear message and exit 2, not Qt's abort.
add_test(NAME loom_studio_unreachable_display
         COMMAND ${CMAKE_COMMAND} -E env --unset=QT_QPA_PLATFORM --unset=WAYLAND_DISPLAY DISPLAY=:4321
                 $<TARGET_FILE:loom-studio>)
set_tests_properties(loom_studio_unreachable_display PROPERTIES LABELS studio
  PASS_REGULAR_EXPRESSION "cannot connect to the X display \":4321\"")
# docs/studio.md's flag table is generated from app/studio/studio_flags.cpp.
add_test(NAME loom_studio_docs_flag_table_matches
         COMMAND ${CMAKE_COMMAND} "-DGENERATOR=$<TARGET_FILE:loom-studio>;--flags-markdown"
                 "-DMARKER=loom-studio --flags-markdown" -DDOC=${PROJECT_SOURCE_DIR}/docs/studio.md
                 -P ${PROJECT_SOURCE_DIR}/tests/cli/docs_match_generated.cmake)
set_tests_properties(loom_studio_docs_flag_table_matches PROPERTIES LABELS studio)
# A screenshot run on a file that does not parse: the error on stderr and exit 3, at once
# (it used to wait forever on the modal "Cannot Open Model" dialog).
add_test(NAME loom_studio_screenshot_of_a_broken_file
         COMMAND ${CMAKE_COMMAND} -E env QT_QPA_PLATFORM=offscreen
                 XDG_CONFIG_HOME=${CMAKE_CURRENT_BINARY_DIR}/config/broken_screenshot
                 ${CMAKE_COMMAND} -DLOOM=$<TARGET_FILE:loom-studio>
                 "-DARGS=--screenshot;${CMAKE_CURRENT_BINARY_DIR}/broken.png;${PROJECT_SOURCE_DIR}/tests/cli/data/syntax_error.loom"
                 -DEXPECT_RC=3 "-DEXPECT_STDERR=syntax_error\\.loom:12:[0-9]+"
                 -P ${PROJECT_SOURCE_DIR}/tests/cli/run_case.cmake)
set_tests_properties(loom_studio_screenshot_of_a_broken_file PROPERTIES LABELS studio TIMEOUT 60)
# A 100,000-node chain opens without freezing the window (with and without positions).
loom_add_qt_test(loom_large_graph_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/large_graph_test.cpp)
set_tests_properties(loom_large_graph_test PROPERTIES TIMEOUT 600)
