# `loom runs LOGDIR` (app/cli/cmd_runs.cpp, docs/cli.md): the foreign logs with their known
# answers, a run Loom trained, corruption named with file and byte offset, an empty directory.
set(FOREIGN ${LOOM_FOREIGN_TESTDATA})
loom_cli_settings_case(runs_known_answer 0 ".*"
  STDOUT "run tfevents\n.*my_metric +100 points +steps 0\\.\\.99 +last 49\\.5\n"
  ARGS runs ${FOREIGN}/tfevents-tf2-scalar-known-answer)
loom_cli_settings_case(runs_every_foreign_log 0 ".*"
  STDOUT "9 runs\n.*dense_1/bias_0 +200 steps +steps 0\\.\\.199 +last 3 buckets, n 1,.*validation\n.*epoch_accuracy +200 points +steps 0\\.\\.199 +last 1\n.*images +1 steps +step 0 +last 1 × 242x242.*Loss/train +98 points +steps 0\\.\\.97.*hist-numpy +5 steps.*n 1000.*MNIST_group +4 steps.*my_metric +100 points +steps 0\\.\\.99 +last 49\\.5\n.*Training data +2 steps +steps 0\\.\\.1 +last 25 × 32x32"
  ARGS runs ${FOREIGN})
loom_cli_settings_case(runs_empty_directory 4 "loom: error: no runs under \".*/runs_empty\""
  SETUP "rm -rf ${WORK}/runs_empty && mkdir -p ${WORK}/runs_empty/sub"
  ARGS runs ${WORK}/runs_empty)
# Flip one byte of the third record's payload: the problem names the file and byte 42 + ...
loom_cli_settings_case(runs_corrupt_record 4 "1 problem in 1 run"
  SETUP "rm -rf ${WORK}/runs_corrupt && mkdir -p ${WORK}/runs_corrupt/bad ${WORK}/runs_corrupt/good && /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/python/tb_events.py write ${WORK}/runs_corrupt/good >/dev/null && /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/python/tb_events.py write ${WORK}/runs_corrupt/bad >/dev/null && f=$(ls ${WORK}/runs_corrupt/bad/*) && printf 'X' | dd of=$f bs=1 seek=100 conv=notrunc 2>/dev/null"
  STDOUT "run bad\n.*py/loss +1 points.*PROBLEM .*/bad/events\\.out\\.tfevents\\.[0-9]+\\.pyref @ byte 87: bad data CRC.*run good\n.*py/loss +10 points +steps 0\\.\\.9 +last 0\\.1\n.*py/tensor +10 points +steps 0\\.\\.9 +last 4\\.5\n"
  ARGS runs ${WORK}/runs_corrupt)
loom_cli_settings_case(runs_after_training 0 ".*"
  SETUP "rm -rf ${WORK}/runs_trained && ${LOOM_BIN} train ${EXAMPLES}/mlp.loom --max-steps 20 --train-limit 640 --test-limit 64 --histogram-every 10 --run-dir ${WORK}/runs_trained/mlp >/dev/null 2>&1"
  STDOUT "run mlp\n  run.json: status completed, host [^,]+, step 20, best accuracy/train [0-9.]+ at step [0-9]+\n.*accuracy/test +1 points.*loss/train +4 points +steps 5\\.\\.20.*loss/train_step +20 points +steps 1\\.\\.20.*fc1\\.weights/gradient +2 steps +steps 10\\.\\.20.*probe/00 +4 steps.*confusion_matrix/test +1 steps.*model/summary +1 steps +step 0.*hparams: .*training\\.batch_size=128.*\\(session success\\)"
  ARGS runs ${WORK}/runs_trained)
