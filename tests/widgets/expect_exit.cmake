# Runs CMD with ARGS (a ;-list) and checks its exit code and that stderr matches a regex.
# cmake -DCMD=... -DARGS=... -DEXPECT_RC=... -DEXPECT_STDERR=... -P expect_exit.cmake
execute_process(COMMAND ${CMD} ${ARGS} RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET TIMEOUT 30)
message(STATUS "exit ${rc}; stderr: ${err}")
if(NOT rc STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "expected exit code ${EXPECT_RC}, got ${rc}")
endif()
if(NOT err MATCHES "${EXPECT_STDERR}")
  message(FATAL_ERROR "stderr does not match /${EXPECT_STDERR}/")
endif()
