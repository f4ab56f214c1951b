# One command-line error case: runs LOOM with ARGS (a ;-list) after an optional SETUP shell
# command, and checks the exit code and that stderr matches EXPECT_STDERR (a regex).
# Usage: cmake -DLOOM=... -DARGS=... -DEXPECT_RC=... -DEXPECT_STDERR=... [-DSETUP=...] -P run_case.cmake
if(SETUP)
  execute_process(COMMAND sh -c "${SETUP}" RESULT_VARIABLE setup_rc)
  if(NOT setup_rc EQUAL 0)
    message(FATAL_ERROR "setup failed (${setup_rc}): ${SETUP}")
  endif()
endif()
execute_process(COMMAND ${LOOM} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 300)
message(STATUS "loom ${ARGS}\n-- exit ${rc}\n-- stderr: ${err}")
if(NOT rc STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "expected exit code ${EXPECT_RC}, got ${rc}\nstdout: ${out}")
endif()
if(NOT err MATCHES "${EXPECT_STDERR}")
  message(FATAL_ERROR "stderr does not match /${EXPECT_STDERR}/")
endif()
