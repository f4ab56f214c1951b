# Transfer learning on the command line (`loom edit`, `loom train --freeze-until`;
# docs/transfer-learning.md): bad input names the node or value; the full PyTorch -> ONNX ->
# import -> edit -> frozen fine-tune path of issue 8's acceptance 2.
loom_cli_case(edit_unknown_node 2 "cnn\\.loom: cut after \"pool9\" names no node of the model; near names: pool1, pool2"
  ARGS edit ${EXAMPLES}/cnn.loom --cut-after pool9 --append-head 10 -o ${WORK}/edit_unknown.loom)
loom_cli_case(edit_cut_after_output 2 "cut after \"logits\": it is the model's output, so the cut would remove nothing"
  ARGS edit ${EXAMPLES}/cnn.loom --cut-after logits --append-head 10 -o ${WORK}/edit_output.loom)
loom_cli_case(edit_head_of_zero_classes 2 "the new head needs at least 1 class, got 0"
  ARGS edit ${EXAMPLES}/cnn.loom --cut-after pool2 --append-head 0 -o ${WORK}/edit_zero.loom)
loom_cli_case(edit_freeze_unknown_node 2 "freeze until \"conv3\" names no node of the model; near names: conv1, conv2"
  ARGS edit ${EXAMPLES}/cnn.loom --cut-after pool2 --append-head 10 --freeze-until conv3 -o ${WORK}/edit_freeze.loom)
loom_cli_case(edit_nothing_asked 2 "nothing to edit"
  ARGS edit ${EXAMPLES}/cnn.loom -o ${WORK}/edit_nothing.loom)
loom_cli_case(train_freeze_unknown_node 2 "cnn\\.loom: training\\.freeze_until \"pool9\" names no node of the model; near names: pool1, pool2"
  ARGS train ${EXAMPLES}/cnn.loom --freeze-until pool9 --check)
loom_cli_case(train_freeze_everything 2 "training\\.freeze_until \"logits\" freezes every trainable parameter"
  ARGS train ${EXAMPLES}/mlp.loom --freeze-until logits --max-steps 1 --train-limit 256 --no-test --run-dir ${WORK}/freeze_all)
add_test(NAME cli_transfer_learning_torch_cnn
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/transfer_learning.sh ${LOOM_BIN} ${LOOM_PYTHON}
                 ${PROJECT_SOURCE_DIR} ${WORK}/transfer_learning)
set_tests_properties(cli_transfer_learning_torch_cnn PROPERTIES LABELS cli TIMEOUT 900)
