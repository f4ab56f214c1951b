# `loom explain` (app/cli/cmd_explain.cpp, docs/explain.md): a run that writes every kind of
# output, Ctrl+C that leaves what is done, and one case per kind of bad input, each message
# naming the value. Test images are written by tests/python/write_test_png.py.
set(PNG "/usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/python/write_test_png.py")
set(XWORK ${WORK}/explain)
set(CNN ${EXAMPLES}/cnn.loom)
set(QUICK_METHODS --option ig.steps=8 --option shap.coalitions=200 --option lime.samples=200
    --option smoothgrad.samples=4)

loom_cli_settings_case(explain_writes_everything 0 "explain +\\[=+\\] 16/16"
  STDOUT "explained 2 of 2 images.*grid: .*grid\\.png"
  FILE ${XWORK}/ok/scores.csv
  FILE_REGEX "image,label,predicted,target,method,score,baseline_score,completeness_gap,r2,deletion_auc,insertion_auc\ntest_5,[0-9],[0-9],[0-9],gradient,"
  SETUP "rm -rf ${XWORK}/ok"
  ARGS explain ${CNN} --samples 2 --first 5 -o ${XWORK}/ok
       --method gradient,gradient_x_input,smoothgrad,ig,gradcam,occlusion,shap,lime ${QUICK_METHODS})
# Every file the job promises, after the run above (ctest runs cases in order).
add_test(NAME cli_explain_files_exist
  COMMAND sh -c "cd ${XWORK}/ok && ls grid.png scores.json 0000_test_5/image.png 0000_test_5/ig.npy 0000_test_5/ig.png 0001_test_6/lime.npy 0001_test_6/gradcam.png && grep -q '\"completeness_gap\"' scores.json && grep -q '\"r2\"' scores.json")
set_tests_properties(cli_explain_files_exist PROPERTIES LABELS cli DEPENDS cli_explain_writes_everything)

loom_cli_case(explain_target_out_of_range 2
  "target class 12 is out of range: the model has 10 classes \\(0\\.\\.9\\)"
  ARGS explain ${CNN} --samples 1 --target 12 --method gradient -o ${XWORK}/bad)
loom_cli_case(explain_gradcam_on_dense 2
  "Grad-CAM node \"fc1\" is a Dense, not a convolution \\(Conv2D\\); the model's convolutions: conv1, conv2"
  ARGS explain ${CNN} --samples 1 --method gradcam --node fc1 -o ${XWORK}/bad)
loom_cli_case(explain_image_wrong_size 2
  "image \".*wide\\.png\" is 30x28 pixels \\(width x height\\) but the model's input takes 28x28"
  SETUP "mkdir -p ${XWORK} && ${PNG} ${XWORK}/wide.png 30 28 1 ramp"
  ARGS explain ${CNN} --images ${XWORK}/wide.png --method gradient -o ${XWORK}/bad)
loom_cli_case(explain_image_wrong_channels 2
  "image \".*rgb\\.png\" has 3 channel\\(s\\) but the model's input takes 1 \\(grey\\)"
  SETUP "mkdir -p ${XWORK} && ${PNG} ${XWORK}/rgb.png 28 28 3 ramp"
  ARGS explain ${CNN} --images ${XWORK}/rgb.png --method gradient -o ${XWORK}/bad)
loom_cli_case(explain_image_unreadable 4
  "image \".*garbage\\.png\" cannot be read"
  SETUP "mkdir -p ${XWORK} && echo 'not a png' > ${XWORK}/garbage.png"
  ARGS explain ${CNN} --images ${XWORK}/garbage.png --method gradient -o ${XWORK}/bad)
loom_cli_case(explain_image_missing 4 "/nonexistent/shoe\\.png"
  ARGS explain ${CNN} --images /nonexistent/shoe.png --method gradient -o ${XWORK}/bad)
loom_cli_case(explain_baseline_equals_input 2
  "image \"black\": the baseline \"black\" equals the input \\(every pixel\\)"
  SETUP "mkdir -p ${XWORK} && ${PNG} ${XWORK}/black.png 28 28 1 black"
  ARGS explain ${CNN} --images ${XWORK}/black.png --method ig --baseline black -o ${XWORK}/bad)
loom_cli_case(explain_unknown_method 2 "method \"saliency\" is not one of: gradient, "
  ARGS explain ${CNN} --samples 1 --method saliency -o ${XWORK}/bad)
loom_cli_case(explain_unknown_option 2 "option \"stepz\" is not an option of ig \\(steps, quadrature\\)"
  ARGS explain ${CNN} --samples 1 --method ig --option ig.stepz=3 -o ${XWORK}/bad)

add_test(NAME cli_explain_ctrl_c_leaves_what_is_done
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/explain_interrupt.sh ${LOOM_BIN} ${CNN} ${XWORK}/interrupt)
set_tests_properties(cli_explain_ctrl_c_leaves_what_is_done PROPERTIES LABELS cli TIMEOUT 300)
