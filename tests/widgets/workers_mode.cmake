# Workers mode in a real window under Xvfb (xcb) with two real remote hosts (sshd instances on
# 127.0.0.2 and 127.0.0.3, started by workers_mode.sh): hosts from an ssh config and typed in,
# the per-host check, a 2-host `loom launch` of the MLP, the per-rank panel against the event
# file, kill -9 of the rank on 127.0.0.3 named in the banner, restart from the checkpoint to the
# end; a GUI latency probe. LOOM_WORKERS_SCREENSHOTS=<dir> writes workers-*.png.
find_program(LOOM_XVFB_RUN xvfb-run REQUIRED)
add_executable(loom_workers_mode_test ${CMAKE_CURRENT_LIST_DIR}/workers_mode_test.cpp)
set_target_properties(loom_workers_mode_test PROPERTIES AUTOMOC ON)
target_link_libraries(loom_workers_mode_test PRIVATE loom_widgets Qt6::Test)
target_compile_definitions(loom_workers_mode_test PRIVATE
  LOOM_SOURCE_DIR="${PROJECT_SOURCE_DIR}" LOOM_BIN="$<TARGET_FILE:loom>")
add_dependencies(loom_workers_mode_test loom)
loom_set_warnings(loom_workers_mode_test)
add_test(NAME loom_workers_mode_test
  COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/workers_mode.sh $<TARGET_FILE:loom_workers_mode_test>
          ${CMAKE_CURRENT_BINARY_DIR}/workers_mode_work ${LOOM_XVFB_RUN})
set_tests_properties(loom_workers_mode_test PROPERTIES LABELS "studio;dist" TIMEOUT 600
  RUN_SERIAL ON
  ENVIRONMENT "QT_QPA_PLATFORM=xcb;XDG_CONFIG_HOME=${CMAKE_CURRENT_BINARY_DIR}/config/loom_workers_mode_test")
