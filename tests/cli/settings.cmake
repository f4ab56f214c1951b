# Training settings on the command line (engine/train/settings.h, docs/cli.md): flags are
# validated before any default applies (exit 2 naming the flag, the value and the range),
# `--check` validates without training, RMSprop trains at its own default rate, and the
# settings table in docs/optim.md is the one `loom settings --markdown` prints.

# loom_cli_settings_case(name rc stderr-regex [STDOUT regex] [FILE path FILE_REGEX regex] ARGS ...)
function(loom_cli_settings_case name rc regex)
  cmake_parse_arguments(C "" "SETUP;STDOUT;FILE;FILE_REGEX" "ARGS" ${ARGN})
  add_test(NAME cli_${name}
    COMMAND ${CMAKE_COMMAND} -DLOOM=${LOOM_BIN} "-DARGS=${C_ARGS}" -DEXPECT_RC=${rc}
            "-DEXPECT_STDERR=${regex}" "-DSETUP=${C_SETUP}" "-DEXPECT_STDOUT=${C_STDOUT}"
            "-DEXPECT_FILE=${C_FILE}" "-DEXPECT_FILE_REGEX=${C_FILE_REGEX}"
            -P ${CMAKE_CURRENT_SOURCE_DIR}/run_case.cmake)
  set_tests_properties(cli_${name} PROPERTIES LABELS cli)
endfunction()

set(QUICK --max-steps 1 --train-limit 256 --test-limit 64 --no-test)
# The file says sgd at 0.01; --optimizer rmsprop without --lr trains at RMSprop's default 0.01
# (PyTorch's), which before the schema was 0.001 for every optimizer but SGD.
loom_cli_settings_case(rmsprop_trains_at_its_default_rate 0 ".*"
  SETUP "rm -rf ${WORK}/rmsprop"
  STDOUT "rmsprop lr 0\\.01,"
  FILE ${WORK}/rmsprop/run.json FILE_REGEX "\"learning_rate\": 0\\.01,[^\"]*\"type\": \"rmsprop\""
  ARGS train ${EXAMPLES}/mlp.loom --optimizer RMSprop ${QUICK} --run-dir ${WORK}/rmsprop)
loom_cli_settings_case(check_prints_effective_settings 0 "^$"
  STDOUT "settings are valid.*training\\.optimizer\\.type +rmsprop.*training\\.optimizer\\.learning_rate +0\\.01[^0-9]"
  ARGS train ${EXAMPLES}/mlp.loom --optimizer rmsprop --check)
loom_cli_settings_case(epochs_zero 2
  "training\\.epochs must be in \\[1, 2147483647\\], got 0 \\(given as --epochs 0\\)"
  ARGS train ${EXAMPLES}/mlp.loom --epochs 0 ${QUICK} --run-dir ${WORK}/bad_flags)
loom_cli_settings_case(epochs_negative 2
  "training\\.epochs must be in \\[1, 2147483647\\], got -1 \\(given as --epochs -1\\)"
  ARGS train ${EXAMPLES}/mlp.loom --epochs -1 ${QUICK} --run-dir ${WORK}/bad_flags)
loom_cli_settings_case(batch_size_negative 2
  "training\\.batch_size must be in \\[1, 2147483647\\], got -1 \\(given as --batch-size -1\\)"
  ARGS train ${EXAMPLES}/mlp.loom --batch-size -1 ${QUICK} --run-dir ${WORK}/bad_flags)
loom_cli_settings_case(lr_minus_inf 2
  "training\\.optimizer\\.learning_rate must be in \\(0, inf\\), got -inf \\(given as --lr -inf\\)"
  ARGS train ${EXAMPLES}/mlp.loom --lr -inf ${QUICK} --run-dir ${WORK}/bad_flags)
loom_cli_settings_case(lr_zero 2
  "training\\.optimizer\\.learning_rate must be in \\(0, inf\\), got 0 \\(given as --lr 0\\)"
  ARGS train ${EXAMPLES}/mlp.loom --lr 0 ${QUICK} --run-dir ${WORK}/bad_flags)
loom_cli_settings_case(threads_too_many 2
  "training\\.threads must be in \\[0, 1024\\], got 2147483647 \\(given as --threads 2147483647\\)"
  ARGS train ${EXAMPLES}/mlp.loom --threads 2147483647 ${QUICK} --run-dir ${WORK}/bad_flags)
loom_cli_settings_case(unknown_optimizer 2
  "training\\.optimizer\\.type \"adamax\" is not one of sgd, adam, adamw, rmsprop \\(given as --optimizer adamax\\)"
  ARGS train ${EXAMPLES}/mlp.loom --optimizer adamax --check)
loom_cli_settings_case(eval_batch_size_zero 2 "--batch-size must be in \\[1, 2147483647\\], got 0"
  ARGS eval ${EXAMPLES}/mlp.loom --batch-size 0 --test-limit 64)
# A file's settings: gamma above 1 is refused before training, naming the file and the field.
loom_cli_settings_case(file_gamma_above_one 2
  "bad_gamma\\.loom: training\\.schedule\\.gamma must be in \\(0, 1\\], got 1\\.5"
  ARGS train ${DATA}/bad_gamma.loom --check)

add_test(NAME cli_train_help_comes_from_the_schema COMMAND ${LOOM_BIN} train --help)
set_tests_properties(cli_train_help_comes_from_the_schema PROPERTIES LABELS cli
  PASS_REGULAR_EXPRESSION "--threads N +Compute threads.*\\[0, 1024\\].*--lr X +Base step size.*\\(0, inf\\).*rmsprop: 0\\.01")
add_test(NAME cli_docs_settings_table_matches_schema
  COMMAND ${CMAKE_COMMAND} "-DGENERATOR=${LOOM_BIN};settings;--markdown"
          "-DMARKER=loom settings --markdown" -DDOC=${PROJECT_SOURCE_DIR}/docs/optim.md
          -P ${CMAKE_CURRENT_SOURCE_DIR}/docs_match_generated.cmake)
set_tests_properties(cli_docs_settings_table_matches_schema PROPERTIES LABELS cli)

# docs/cli.md's exit-code table is the one `loom exit-codes --markdown` prints from
# app/cli/exit_codes.h (the page once listed 8 twice, parity's 9 as 8).
add_test(NAME cli_docs_exit_codes_match
  COMMAND ${CMAKE_COMMAND} "-DGENERATOR=${LOOM_BIN};exit-codes;--markdown"
          "-DMARKER=loom exit-codes --markdown" -DDOC=${PROJECT_SOURCE_DIR}/docs/cli.md
          -P ${CMAKE_CURRENT_SOURCE_DIR}/docs_match_generated.cmake)
set_tests_properties(cli_docs_exit_codes_match PROPERTIES LABELS cli)

# training.device (docs/backend-cuda.md): names come from backends/backend.h deviceNames(); a
# CUDA device the machine does not have is refused with the reason, never a crash, and the
# CPU run is untouched.
loom_cli_settings_case(device_name_refused 2
  "training\\.device \"gpu\" is not one of cpu, cuda, cuda:0, .*cuda:7 \\(given as --device gpu\\)"
  ARGS train ${EXAMPLES}/mlp.loom --device gpu --check)
loom_cli_settings_case(device_cpu_any_case_trains 0 ".*"
  SETUP "rm -rf ${WORK}/device_cpu"
  ARGS train ${EXAMPLES}/mlp.loom --device CPU ${QUICK} --run-dir ${WORK}/device_cpu)
if(NOT EXISTS /dev/nvidiactl)  # a machine without an NVIDIA driver: no CUDA device to find
  loom_cli_settings_case(device_cuda_without_gpu_is_refused 1
    "device \"cuda\": no CUDA device: (not built|no driver|no device)"
    ARGS train ${EXAMPLES}/mlp.loom --device cuda ${QUICK} --run-dir ${WORK}/device_cuda)
  loom_cli_settings_case(info_kernels_device_cuda_without_gpu 1
    "device \"cuda:1\": no CUDA device: (not built|no driver|no device)"
    ARGS info ${EXAMPLES}/mlp.loom --kernels --device cuda:1)
endif()
