# `loom embed` (app/cli/cmd_embed.cpp, docs/cli.md): a projector directory from a checkpoint,
# a trajectory over two checkpoints, and clear messages for a bad node, method or option.
# Each case trains into its own run directory: ctest -j runs them side by side, and two
# trainers in one directory refuse each other (the run lock).
function(embed_setup out_var run_dir)
  set(${out_var} "rm -rf ${run_dir} && ${LOOM_BIN} train ${EXAMPLES}/mlp.loom --max-steps 30 --train-limit 4096 --no-test --checkpoint-every 15 --run-dir ${run_dir} >/dev/null 2>&1" PARENT_SCOPE)
endfunction()
set(EMBED_RUN ${WORK}/embed_run)
set(EMBED_TRAJ_RUN ${WORK}/embed_traj_run)
embed_setup(EMBED_SETUP ${EMBED_RUN})
embed_setup(EMBED_TRAJ_SETUP ${EMBED_TRAJ_RUN})
loom_cli_settings_case(embed_pca_writes_a_projector 0 "extract.*300/300"
  SETUP "${EMBED_SETUP}"
  STDOUT "embedded 300 points of node \"relu2\" \\(128 dims\\) with pca into .*embed_pca \\(2 entries\\)"
  FILE ${WORK}/embed_pca/projector_config.pbtxt
  FILE_REGEX "tensor_name: \"relu2/pca\"[^}]*tensor_shape: 300[^}]*tensor_shape: 2"
  ARGS embed ${EXAMPLES}/mlp.loom --checkpoint ${EMBED_RUN}/checkpoints/last.ckpt --limit 300
       --threads 2 -o ${WORK}/embed_pca)
loom_cli_settings_case(embed_tsne_trajectory 0 "optimize.*200/200"
  SETUP "${EMBED_TRAJ_SETUP} && rm -rf ${WORK}/embed_run5 && ${LOOM_BIN} train ${EXAMPLES}/mlp.loom --max-steps 5 --train-limit 4096 --no-test --run-dir ${WORK}/embed_run5 >/dev/null 2>&1 && cp ${WORK}/embed_run5/checkpoints/last.ckpt ${WORK}/embed_run5/step5.ckpt && cp ${EMBED_TRAJ_RUN}/checkpoints/last.ckpt ${EMBED_TRAJ_RUN}/step30.ckpt"
  STDOUT "with tsne into .* \\(4 entries\\)"
  FILE ${WORK}/embed_traj/projector_config.pbtxt
  FILE_REGEX "\"fc1@step5\".*\"fc1/tsne@step5\".*\"fc1@step30\".*\"fc1/tsne@step30\".*metadata_path: \"metadata.tsv\""
  ARGS embed ${EXAMPLES}/mlp.loom --checkpoint ${WORK}/embed_run5/step5.ckpt
       --checkpoint ${EMBED_TRAJ_RUN}/step30.ckpt --method tsne --iterations 200
       --node fc1 --limit 200 --perplexity 10 -o ${WORK}/embed_traj)
loom_cli_case(embed_unknown_node 4 "node \"fc9\" is not in model \"mlp\"; its nodes are: image, flatten"
  ARGS embed ${EXAMPLES}/mlp.loom --node fc9 --limit 10 -o ${WORK}/embed_bad)
loom_cli_case(embed_unknown_method 2 "unknown projection method \"isomap\"; expected pca, tsne or umap"
  ARGS embed ${EXAMPLES}/mlp.loom --method isomap -o ${WORK}/embed_bad)
loom_cli_case(embed_perplexity_too_large 2 "perplexity must be in \\(0, 20\\) for 20 points, got 50"
  ARGS embed ${EXAMPLES}/mlp.loom --method tsne --perplexity 50 --limit 20 -o ${WORK}/embed_bad)
loom_cli_case(embed_bad_split 2 "--split must be test or train, got \"valid\""
  ARGS embed ${EXAMPLES}/mlp.loom --split valid -o ${WORK}/embed_bad)
