# One command-line error case: runs LOOM with ARGS (a ;-list) after an optional SETUP shell
# command, and checks the exit code and that stderr matches EXPECT_STDERR (a regex); optionally
# that stdout matches EXPECT_STDOUT and that the file EXPECT_FILE then matches EXPECT_FILE_REGEX.
# Usage: cmake -DLOOM=... -DARGS=... -DEXPECT_RC=... -DEXPECT_STDERR=... [-DSETUP=...]
#              [-DEXPECT_STDOUT=...] [-DEXPECT_FILE=... -DEXPECT_FILE_REGEX=...] -P run_case.cmake
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
if(EXPECT_STDOUT AND NOT out MATCHES "${EXPECT_STDOUT}")
  message(FATAL_ERROR "stdout does not match /${EXPECT_STDOUT}/\nstdout: ${out}")
endif()
if(EXPECT_FILE)
  if(NOT EXISTS "${EXPECT_FILE}")
    message(FATAL_ERROR "${EXPECT_FILE} was not written")
  endif()
  file(READ "${EXPECT_FILE}" content)
  if(NOT content MATCHES "${EXPECT_FILE_REGEX}")
    message(FATAL_ERROR "${EXPECT_FILE} does not match /${EXPECT_FILE_REGEX}/:\n${content}")
  endif()
endif()
