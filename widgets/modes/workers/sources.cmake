# Workers mode: hosts (hostfile, ssh config, Slurm), a per-host check, `loom launch` of the
# current model as a QProcess, the per-rank panel from the run's health scalars, restart.
target_sources(loom_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/dist_launcher.h
  ${CMAKE_CURRENT_LIST_DIR}/host_checker.cpp
  ${CMAKE_CURRENT_LIST_DIR}/host_checker.h
  ${CMAKE_CURRENT_LIST_DIR}/host_sources.cpp
  ${CMAKE_CURRENT_LIST_DIR}/host_sources.h
  ${CMAKE_CURRENT_LIST_DIR}/hosts_panel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hosts_panel.h
  ${CMAKE_CURRENT_LIST_DIR}/job_failure.cpp
  ${CMAKE_CURRENT_LIST_DIR}/job_failure.h
  ${CMAKE_CURRENT_LIST_DIR}/rank_table.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rank_table.h
  ${CMAKE_CURRENT_LIST_DIR}/workers.qrc
  ${CMAKE_CURRENT_LIST_DIR}/workers_job.cpp
  ${CMAKE_CURRENT_LIST_DIR}/workers_job.h
  ${CMAKE_CURRENT_LIST_DIR}/workers_mode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/workers_mode.h
  ${CMAKE_CURRENT_LIST_DIR}/workers_run.cpp)
