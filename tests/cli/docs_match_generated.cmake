# A generated table in a docs page must equal what its generator prints now. Used for
# docs/optim.md (`loom settings --markdown`) and docs/studio.md (`loom-studio --flags-markdown`).
# Check:      cmake -DGENERATOR="<exe>;<args>" -DMARKER="<name>" -DDOC=<page> -P docs_match_generated.cmake
# Regenerate: the same with -DUPDATE=ON (rewrites the table between the markers).
# The page holds the table between "<!-- begin: MARKER -->" and "<!-- end: MARKER -->".
set(BEGIN "<!-- begin: ${MARKER} -->\n")
set(END "<!-- end: ${MARKER} -->")
execute_process(COMMAND ${GENERATOR} OUTPUT_VARIABLE table RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${MARKER} failed (${rc})")
endif()
file(READ "${DOC}" doc)
string(FIND "${doc}" "${BEGIN}" b)
string(FIND "${doc}" "${END}" e)
if(b LESS 0 OR e LESS b)
  message(FATAL_ERROR "${DOC} has no table between the markers ${BEGIN} and ${END}")
endif()
string(LENGTH "${BEGIN}" beginLength)
math(EXPR start "${b} + ${beginLength}")
math(EXPR length "${e} - ${start}")
string(SUBSTRING "${doc}" ${start} ${length} committed)
if(committed STREQUAL table)
  return()
endif()
if(UPDATE)
  string(SUBSTRING "${doc}" 0 ${start} head)
  string(SUBSTRING "${doc}" ${e} -1 tail)
  file(WRITE "${DOC}" "${head}${table}${tail}")
  message(STATUS "rewrote the table in ${DOC}")
  return()
endif()
message(FATAL_ERROR "the table in ${DOC} differs from `${MARKER}`; regenerate it with: "
        "cmake \"-DGENERATOR=${GENERATOR}\" \"-DMARKER=${MARKER}\" -DDOC=${DOC} -DUPDATE=ON "
        "-P ${CMAKE_CURRENT_LIST_FILE}\ncommitted:\n${committed}\ngenerated:\n${table}")
