# Hostile and degenerate inputs (issue 14) end to end through the `loom` command: each case is a
# file or flag that used to abort, hang, allocate gigabytes or print a wrong number, and must now
# end at once with its documented exit code (docs/cli.md) and a message that names the cause.
# docs/hostile-inputs.md maps every case of the issue to the test that checks it.
# Included from tests/cli/CMakeLists.txt (uses LOOM_BIN, EXAMPLES, WORK, FMNIST from there).

# The small hostile model files are written here at configure time (not under ${WORK}, which
# other cases clear); checkpoints are made by each case's SETUP from a fresh 3-step run.
set(HOSTILE_DATA ${CMAKE_CURRENT_BINARY_DIR}/hostile_data)
set(HOSTILE ${WORK}/hostile)
set(_hostile_input "node { name: \"image\" op: \"Input\" attr { name: \"shape\" ints { v: [1, 28, 28] } } }\n  node { name: \"flatten\" op: \"Flatten\" input: \"image\" }\n")
function(loom_hostile_model file name body)
  file(WRITE ${HOSTILE_DATA}/${file} "format_version: 2\nname: \"${name}\"\ngraph {\n  ${body}}\n${ARGN}")
endfunction()
# Every logit equal (a zero-initialised Dense): the constant classifier of the issue.
loom_hostile_model(zero_dense.loom zero "${_hostile_input}  node { name: \"logits\" op: \"Dense\" input: \"flatten\" attr { name: \"units\" i: 10 } attr { name: \"kernel_initializer\" s: \"zeros\" } }\n")
# A trained-parameter block whose bias is all NaN.
loom_hostile_model(nan_bias.loom nanbias "${_hostile_input}  node { name: \"logits\" op: \"Dense\" input: \"flatten\" attr { name: \"units\" i: 10 } }\n"
  "parameter { name: \"logits.bias\" dims: 10 values: nan values: nan values: nan values: nan values: nan values: nan values: nan values: nan values: nan values: nan }\n")
loom_hostile_model(conv_huge.loom convhuge "node { name: \"image\" op: \"Input\" attr { name: \"shape\" ints { v: [1, 28, 28] } } }\n  node { name: \"conv\" op: \"Conv2D\" input: \"image\" attr { name: \"filters\" i: 4 } attr { name: \"kernel_size\" ints { v: [2147483648, 5] } } }\n  node { name: \"flat2\" op: \"Flatten\" input: \"conv\" }\n  node { name: \"logits\" op: \"Dense\" input: \"flat2\" attr { name: \"units\" i: 10 } }\n")
loom_hostile_model(dense_huge.loom densehuge "${_hostile_input}  node { name: \"logits\" op: \"Dense\" input: \"flatten\" attr { name: \"units\" i: 4294967296 } }\n")
loom_hostile_model(units_zero.loom unitszero "${_hostile_input}  node { name: \"logits\" op: \"Dense\" input: \"flatten\" attr { name: \"units\" i: 0 } }\n")
# name: "\200" is the octal escape of byte 0x80, not UTF-8 (it aborted the run.json writer).
loom_hostile_model(non_utf8.loom "\\200" "${_hostile_input}  node { name: \"logits\" op: \"Dense\" input: \"flatten\" attr { name: \"units\" i: 10 } }\n")
loom_hostile_model(input_overflow.loom big "node { name: \"in\" op: \"Input\" attr { name: \"shape\" ints { v: [2147483648, 2147483648, 4] } } }\n  node { name: \"flat\" op: \"Flatten\" input: \"in\" }\n")
loom_hostile_model(param_dims.loom p "node { name: \"in\" op: \"Input\" attr { name: \"shape\" ints { v: [4] } } }\n  node { name: \"fc\" op: \"Dense\" input: \"in\" attr { name: \"units\" i: 2 } }\n"
  "parameter { name: \"fc.weights\" dims: 4294967296 dims: 4294967296 }\n")
loom_hostile_model(tiny.loom tiny "${_hostile_input}  node { name: \"logits\" op: \"Dense\" input: \"flatten\" attr { name: \"units\" i: 10 } }\n"
  "training { optimizer { type: \"sgd\" learning_rate: 0.01 momentum: 0.9 } }\n")
file(WRITE ${HOSTILE_DATA}/nan.csv "a,b,label\n1,2,0\n3,nan,1\n")
foreach(csv nan.csv /dev/zero)
  get_filename_component(stem ${csv} NAME_WE)
  set(csv_path ${csv})
  if(csv STREQUAL "nan.csv")
    set(csv_path ${HOSTILE_DATA}/nan.csv)
  endif()
  loom_hostile_model(csv_${stem}.loom csv "node { name: \"x\" op: \"Input\" attr { name: \"shape\" ints { v: [2] } } }\n  node { name: \"logits\" op: \"Dense\" input: \"x\" attr { name: \"units\" i: 2 } }\n"
    "dataset { kind: \"csv\" path: \"${csv_path}\" }\n")
endforeach()
# Edits a checkpoint as docs/formats.md#checkpoints lays it out, with an independent CRC-32C
# (tests/python/crc32c.py): usage hostile_ckpt.py IN OUT MODE. MODEs that reseal recompute the
# file CRC (and the tensor CRC where the bytes change) so the damage reaches the checks behind
# the digest; flip_version and flip_hash leave the CRC wrong.
file(WRITE ${HOSTILE_DATA}/hostile_ckpt.py [=[
import struct, sys
sys.path.insert(0, sys.argv[4])
from crc32c import crc32c
src, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
b = bytearray(open(src, "rb").read())
header = struct.unpack_from("<I", b, 12)[0]
hash_len = struct.unpack_from("<I", b, 16)[0]
epoch_at = 20 + hash_len
step_at = epoch_at + 8
t = 16 + header  # the first tensor record: "param/logits.weights" [10, 784]
name_len = struct.unpack_from("<I", b, t)[0]
rank_at = t + 4 + name_len + 1
rank = struct.unpack_from("<I", b, rank_at)[0]
dims_at = rank_at + 4
count_at = dims_at + 8 * rank
data_at = count_at + 8
count = struct.unpack_from("<Q", b, count_at)[0]
reseal = True
if mode == "nan":
    struct.pack_into("<f", b, data_at, float("nan"))
    b[data_at + count:data_at + count + 4] = crc32c(bytes(b[data_at:data_at + count])).to_bytes(4, "little")
elif mode == "dims_square":
    struct.pack_into("<2q", b, dims_at, 1882000, 1882000)
elif mode == "dims_rows":
    struct.pack_into("<2q", b, dims_at, 1882000, 784)
elif mode == "byte_count":
    struct.pack_into("<Q", b, count_at, 2**64 - 126)
elif mode == "epoch_negative":
    struct.pack_into("<q", b, epoch_at, -5)
elif mode == "step_outside":
    struct.pack_into("<q", b, step_at, 999999)
elif mode == "flip_version":
    b[9] ^= 0x01
    reseal = False
elif mode == "flip_hash":
    b[20 + 3] ^= 0x01
    reseal = False
else:
    raise SystemExit("unknown mode " + mode)
if reseal:
    b[-4:] = crc32c(bytes(b[:-4])).to_bytes(4, "little")
open(out, "wb").write(b)
]=])

# hostile_idx_header.py OUT N H W: a 16-byte IDX3 uint8 header claiming N x H x W, no payload.
file(WRITE ${HOSTILE_DATA}/hostile_idx_header.py [=[
import struct, sys
open(sys.argv[1], "wb").write(struct.pack(">IIII", 0x803, *(int(v) for v in sys.argv[2:5])))
]=])
# hostile_flip.py FILE WHERE: XOR 0xFF into one byte, WHERE "middle" (the deflate stream of a
# gzip file) or "trailer_crc" (the first byte of the gzip trailer's CRC-32).
file(WRITE ${HOSTILE_DATA}/hostile_flip.py [=[
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2 if sys.argv[2] == "middle" else len(b) - 8] ^= 0xFF
open(sys.argv[1], "wb").write(b)
]=])

# loom_cli_hostile_case(name rc stderr-regex [SETUP cmd] [STDOUT regex] [FILE path FILE_REGEX regex]
#                       [TIMEOUT s] [ENV VAR=value...] ARGS ...): one run_case.cmake case.
function(loom_cli_hostile_case name rc regex)
  cmake_parse_arguments(C "" "SETUP;STDOUT;FILE;FILE_REGEX;TIMEOUT;BIN" "ARGS;ENV" ${ARGN})
  set(bin ${LOOM_BIN})
  if(C_BIN)
    set(bin ${C_BIN})
  endif()
  if(C_ENV)
    set(bin ${CMAKE_COMMAND} -E env ${C_ENV} ${bin})
  endif()
  add_test(NAME cli_hostile_${name}
    COMMAND ${CMAKE_COMMAND} "-DLOOM=${bin}" "-DARGS=${C_ARGS}" -DEXPECT_RC=${rc}
            "-DEXPECT_STDERR=${regex}" "-DSETUP=${C_SETUP}" "-DEXPECT_STDOUT=${C_STDOUT}"
            "-DEXPECT_FILE=${C_FILE}" "-DEXPECT_FILE_REGEX=${C_FILE_REGEX}"
            -P ${CMAKE_CURRENT_SOURCE_DIR}/run_case.cmake)
  if(NOT C_TIMEOUT)
    set(C_TIMEOUT 60)  # every case ends in about a second; a wait or a big allocation fails
  endif()
  set_tests_properties(cli_hostile_${name} PROPERTIES LABELS "cli;hostile" TIMEOUT ${C_TIMEOUT})
endfunction()
set(HQUICK --max-steps 1 --train-limit 256 --no-test)
set(HCKPT "${LOOM_PYTHON} ${HOSTILE_DATA}/hostile_ckpt.py")
set(HPY ${PROJECT_SOURCE_DIR}/tests/python)
# A fresh 3-step checkpoint of tiny.loom in ${HOSTILE}/<case>/src, edited into <case>/c.ckpt.
macro(hostile_ckpt_setup case mode)
  set(SETUP_${case} "rm -rf ${HOSTILE}/${case} && ${LOOM_BIN} train ${HOSTILE_DATA}/tiny.loom --max-steps 3 --train-limit 512 --no-test --run-dir ${HOSTILE}/${case}/src >/dev/null 2>&1 && ${HCKPT} ${HOSTILE}/${case}/src/checkpoints/last.ckpt ${HOSTILE}/${case}/c.ckpt ${mode} ${HPY}")
endmacro()

# --- Wrong numbers ---------------------------------------------------------------------------
# A constant classifier on the balanced 10,000-image test split: 10 % (argmax, first maximum).
loom_cli_hostile_case(constant_classifier_scores_ten_percent 0 "no trained parameters"
  STDOUT "test: loss 2\\.3026  accuracy 10\\.00%  \\(10000 samples\\)"
  ARGS eval ${HOSTILE_DATA}/zero_dense.loom)
loom_cli_hostile_case(nan_parameters_in_the_model_file 6
  "non-finite logits in batch 1: node \"logits\" \\(Dense\\): parameter \"logits\\.bias\" holds NaN"
  ARGS eval ${HOSTILE_DATA}/nan_bias.loom --test-limit 256)
hostile_ckpt_setup(nan_ckpt nan)
loom_cli_hostile_case(nan_weights_in_a_crc_valid_checkpoint 6
  "non-finite logits in batch 1: node \"logits\" \\(Dense\\): parameter \"logits\\.weights\" holds NaN"
  SETUP "${SETUP_nan_ckpt}"
  ARGS eval ${HOSTILE_DATA}/tiny.loom --checkpoint ${HOSTILE}/nan_ckpt/c.ckpt --test-limit 256)
# --lr 1e308 diverges on the run's only (last) step: exit 6, run.json "diverged", no trained.loom.
add_test(NAME cli_hostile_divergence_on_the_last_step_saves_nothing
  COMMAND sh -c "rm -rf ${HOSTILE}/lr1e308 && mkdir -p ${HOSTILE} && ${LOOM_BIN} train ${EXAMPLES}/mlp.loom --lr 1e308 --max-steps 1 --train-limit 256 --no-test --run-dir ${HOSTILE}/lr1e308 2>${HOSTILE}.lr1e308.err; rc=$?; cat ${HOSTILE}.lr1e308.err; echo exit=$rc; test $rc -eq 6 && grep -q 'diverged at epoch 1, step 1.*node \"fc1\" (Dense)' ${HOSTILE}.lr1e308.err && grep -q '\"status\": \"diverged\"' ${HOSTILE}/lr1e308/run.json && test ! -e ${HOSTILE}/lr1e308/trained.loom && test ! -e ${HOSTILE}/lr1e308/checkpoints/last.ckpt && echo PASS")
set_tests_properties(cli_hostile_divergence_on_the_last_step_saves_nothing PROPERTIES
  LABELS "cli;hostile" TIMEOUT 60 PASS_REGULAR_EXPRESSION "PASS")
# Flag values that were replaced by defaults (settings.cmake has --epochs 0/-1, --batch-size -1,
# --lr 0/-inf, --threads; these are the two it lacks).
loom_cli_hostile_case(batch_size_zero 2
  "training\\.batch_size must be in \\[1, 2147483647\\], got 0 \\(given as --batch-size 0\\)"
  ARGS train ${EXAMPLES}/mlp.loom --batch-size 0 ${HQUICK} --run-dir ${HOSTILE}/bad_flags)
loom_cli_hostile_case(lr_negative 2
  "training\\.optimizer\\.learning_rate must be in \\(0, inf\\), got -1 \\(given as --lr -1\\)"
  ARGS train ${EXAMPLES}/mlp.loom --lr -1 ${HQUICK} --run-dir ${HOSTILE}/bad_flags)

# --- Aborts and memory errors (std::bad_alloc, exit 134, before) -----------------------------
set(CONV_WINDOW "node \"conv\" \\(Conv2D\\): the window \\(kernel 2147483648x5, dilation 1x1, extent 2147483648x5\\) does not fit the input 28x28")
loom_cli_hostile_case(conv_kernel_2147483648_info_kernels 3 "conv_huge\\.loom: ${CONV_WINDOW}"
  ARGS info ${HOSTILE_DATA}/conv_huge.loom --kernels)
loom_cli_hostile_case(conv_kernel_2147483648_train 3 "${CONV_WINDOW}"
  ARGS train ${HOSTILE_DATA}/conv_huge.loom ${HQUICK} --run-dir ${HOSTILE}/conv_huge)
# `loom train` names the model file in an analysis error, as `loom info` does.
loom_cli_hostile_case(dense_units_4294967296_train 3
  "dense_huge\\.loom: node \"logits\" \\(Dense\\): [a-z]+ \\[[0-9, ]*4294967296[0-9, ]*\\] needs [0-9.]+ TiB, more than the memory budget"
  ARGS train ${HOSTILE_DATA}/dense_huge.loom ${HQUICK} --run-dir ${HOSTILE}/dense_huge)
loom_cli_hostile_case(cnn_batch_size_10000000_info_kernels 3
  "cnn\\.loom: node \"image\" \\(Input\\): output \\[10000000, 1, 28, 28\\] needs 29\\.2 GiB, more than the memory budget of [0-9.]+ [KMGT]iB at batch size 10000000"
  ENV LOOM_MEMORY_BUDGET=16G
  ARGS info ${EXAMPLES}/cnn.loom --kernels --batch-size 10000000)
# The memory budget is configurable: 1,000,000 bytes refuses cnn.loom at batch 64.
loom_cli_hostile_case(memory_budget_from_the_environment 3
  "node \"conv1\" \\(Conv2D\\): output \\[64, 32, 28, 28\\] needs 6\\.1 MiB, more than the memory budget of 976\\.6 KiB at batch size 64 \\(LOOM_MEMORY_BUDGET sets it\\)"
  ENV LOOM_MEMORY_BUDGET=1000000
  ARGS info ${EXAMPLES}/cnn.loom --batch-size 64)
# A budget that is not a size is refused before anything runs (it was silently replaced by the
# default, or "10X" read as 10 bytes).
foreach(bad abc 0 -5 10X)
  loom_cli_hostile_case(memory_budget_${bad}_is_refused 2
    "LOOM_MEMORY_BUDGET=\"${bad}\" is not a size: give a positive number of bytes"
    ENV LOOM_MEMORY_BUDGET=${bad}
    ARGS info ${EXAMPLES}/cnn.loom --batch-size 64)
endforeach()
hostile_ckpt_setup(dims_square dims_square)
loom_cli_hostile_case(checkpoint_dims_1882000_by_1882000 4
  "checkpoint \"[^\"]*c\\.ckpt\": tensor \"param/logits\\.weights\" has dims \\[1882000, 1882000\\] that do not match its 31360 bytes"
  SETUP "${SETUP_dims_square}"
  ARGS eval ${HOSTILE_DATA}/tiny.loom --checkpoint ${HOSTILE}/dims_square/c.ckpt --test-limit 256)
loom_cli_hostile_case(non_utf8_model_name_train 3 "non_utf8\\.loom:[0-9]+:[0-9]+: name is not valid UTF-8"
  ARGS train ${HOSTILE_DATA}/non_utf8.loom ${HQUICK} --run-dir ${HOSTILE}/non_utf8)
hostile_ckpt_setup(byte_count byte_count)
loom_cli_hostile_case(checkpoint_byte_count_2_64_minus_126 4
  "tensor \"param/logits\\.weights\" has dims \\[10, 784\\] that do not match its 18446744073709551490 bytes"
  SETUP "${SETUP_byte_count}"
  ARGS eval ${HOSTILE_DATA}/tiny.loom --checkpoint ${HOSTILE}/byte_count/c.ckpt --test-limit 256)
loom_cli_hostile_case(input_2_31_by_2_31_by_4 3
  "input_overflow\\.loom: node \"in\" \\(Input\\): output \\[1, 2147483648, 2147483648, 4\\] has more elements than fit in 64 bits"
  STDOUT "error: [^\n]*\n-----------------+\n$"  # the table ends at the error: no "total: 0 parameters"
  ARGS info ${HOSTILE_DATA}/input_overflow.loom)
loom_cli_hostile_case(parameter_dims_2_32_by_2_32_without_values 4
  "param_dims\\.loom: parameter \"fc\\.weights\" has dims \\[4294967296, 4294967296\\]"
  ARGS info ${HOSTILE_DATA}/param_dims.loom)

# --- Allocate before checking, read forever ---------------------------------------------------
hostile_ckpt_setup(dims_rows dims_rows)
loom_cli_hostile_case(checkpoint_dims_1882000_by_784 4
  "tensor \"param/logits\\.weights\" has dims \\[1882000, 784\\] that do not match its 31360 bytes"
  SETUP "${SETUP_dims_rows}" TIMEOUT 30
  ARGS eval ${HOSTILE_DATA}/tiny.loom --checkpoint ${HOSTILE}/dims_rows/c.ckpt --test-limit 256)
# A Fashion-MNIST copy whose train-images file is a 16-byte header (gzip) claiming N x H x W.
function(hostile_idx name n h w)
  set(d ${HOSTILE}/idx_${name})
  loom_cli_hostile_case(idx_header_claims_${name} 4
    "IDX file \"[^\"]*train-images-idx3-ubyte\\.gz\" is truncated or its header is damaged: dims \\[${n}, ${h}, ${w}\\] need [0-9]+ payload bytes, more than a gzip file of [0-9]+ bytes can hold"
    SETUP "rm -rf ${d} && mkdir -p ${d} && cp ${FMNIST}/*labels* ${FMNIST}/t10k-images* ${d}/ && ${LOOM_PYTHON} ${HOSTILE_DATA}/hostile_idx_header.py ${d}/train-images-idx3-ubyte ${n} ${h} ${w} && gzip ${d}/train-images-idx3-ubyte && sed 's|/nonexistent/fashion-mnist|${d}|' ${DATA}/missing_dataset.loom > ${d}/model.loom"
    TIMEOUT 30
    ARGS train ${d}/model.loom --max-steps 1 --no-test --run-dir ${d}/run)
endfunction()
hostile_idx(60000x280x280 60000 280 280)
hostile_idx(100000x1000x100 100000 1000 100)
hostile_idx(2_30x2_29 1073741824 536870912 1)
loom_cli_hostile_case(dev_zero_as_model 7 "cannot read \"/dev/zero\": it is a character device"
  TIMEOUT 30 ARGS info /dev/zero)
loom_cli_hostile_case(dev_zero_as_checkpoint 7 "cannot read \"/dev/zero\": it is a character device"
  TIMEOUT 30 ARGS eval ${HOSTILE_DATA}/tiny.loom --checkpoint /dev/zero --test-limit 256)
loom_cli_hostile_case(dev_zero_as_csv 7 "cannot read \"/dev/zero\": it is a character device"
  TIMEOUT 30 ARGS train ${HOSTILE_DATA}/csv_zero.loom --max-steps 1 --run-dir ${HOSTILE}/csv_zero)
loom_cli_hostile_case(fifo_without_writer_as_model 7 "cannot read \"[^\"]*fifo\\.loom\": it is a FIFO \\(named pipe\\)"
  SETUP "rm -rf ${HOSTILE}/fifo && mkdir -p ${HOSTILE}/fifo && mkfifo ${HOSTILE}/fifo/fifo.loom"
  TIMEOUT 30 ARGS info ${HOSTILE}/fifo/fifo.loom)
# `loom info` on a generated 100,000-node chain (benchmarks/chain_model.py): 39.5 s when the
# analysis was quadratic, about 1 s now; the 20 s bound leaves room for a loaded machine.
loom_cli_hostile_case(info_on_a_100000_node_chain 0 "^$"
  SETUP "mkdir -p ${HOSTILE} && ${LOOM_PYTHON} ${PROJECT_SOURCE_DIR}/benchmarks/chain_model.py 100000 > ${HOSTILE}/chain100k.loom"
  STDOUT "total: 0 parameters \\(0\\.0 B\\), 78\\.40 MFLOP forward per batch of 1"
  TIMEOUT 20 ARGS info ${HOSTILE}/chain100k.loom)

# --- Wrong exit codes and weak messages --------------------------------------------------------
hostile_ckpt_setup(flip_version flip_version)
loom_cli_hostile_case(checkpoint_version_bit_flipped 4
  "checkpoint \"[^\"]*c\\.ckpt\" fails its whole-file CRC-32C check \\(damaged or truncated\\)"
  SETUP "${SETUP_flip_version}"
  ARGS eval ${HOSTILE_DATA}/tiny.loom --checkpoint ${HOSTILE}/flip_version/c.ckpt --test-limit 256)
hostile_ckpt_setup(flip_hash flip_hash)
loom_cli_hostile_case(checkpoint_model_hash_bit_flipped 4
  "checkpoint \"[^\"]*c\\.ckpt\" fails its whole-file CRC-32C check \\(damaged or truncated\\)"
  SETUP "${SETUP_flip_hash}"
  ARGS eval ${HOSTILE_DATA}/tiny.loom --checkpoint ${HOSTILE}/flip_hash/c.ckpt --test-limit 256)
# A Fashion-MNIST copy whose t10k labels have a damaged deflate stream / gzip trailer CRC.
foreach(kind deflate crc)
  set(d ${HOSTILE}/gzip_${kind})
  if(kind STREQUAL "deflate")
    set(at middle)
  else()
    set(at trailer_crc)
  endif()
  loom_cli_hostile_case(damaged_gzip_${kind} 4
    "IDX file \"[^\"]*t10k-labels-idx1-ubyte\\.gz\" has damaged gzip data"
    SETUP "rm -rf ${d} && mkdir -p ${d} && cp ${FMNIST}/* ${d}/ && ${LOOM_PYTHON} ${HOSTILE_DATA}/hostile_flip.py ${d}/t10k-labels-idx1-ubyte.gz ${at} && sed 's|/nonexistent/fashion-mnist|${d}|' ${DATA}/missing_dataset.loom > ${d}/model.loom"
    ARGS train ${d}/model.loom --max-steps 1 --train-limit 256 --test-limit 256 --run-dir ${d}/run)
endforeach()
loom_cli_hostile_case(units_zero_is_a_model_error 3
  "units_zero\\.loom: node \"logits\" \\(Dense\\): attribute \"units\" = 0 is below its minimum 1"
  ARGS info ${HOSTILE_DATA}/units_zero.loom)
loom_cli_hostile_case(directory_as_model 7 "cannot read \"[^\"]*/hostile_data\": it is a directory"
  ARGS info ${HOSTILE_DATA})
loom_cli_hostile_case(dev_null_as_model 7 "cannot read \"/dev/null\": it is a character device"
  ARGS info /dev/null)
loom_cli_hostile_case(empty_file_as_model 3 "empty\\.loom: the file is empty \\(0 bytes\\)"
  SETUP "mkdir -p ${HOSTILE} && : > ${HOSTILE}/empty.loom"
  ARGS info ${HOSTILE}/empty.loom)
# Fashion-MNIST paths of the wrong kind: train-images is a directory, a FIFO, a symlink loop;
# dataset.path is a regular file.
foreach(kind directory fifo loop)
  set(d ${HOSTILE}/fm_${kind})
  if(kind STREQUAL "directory")
    set(make "mkdir ${d}/train-images-idx3-ubyte.gz")
    set(says "cannot read Fashion-MNIST file \"[^\"]*train-images-idx3-ubyte\\.gz\": it is a directory")
  elseif(kind STREQUAL "fifo")
    set(make "mkfifo ${d}/train-images-idx3-ubyte.gz")
    set(says "cannot read Fashion-MNIST file \"[^\"]*train-images-idx3-ubyte\\.gz\": it is a FIFO")
  else()
    set(make "ln -s train-images-idx3-ubyte.gz ${d}/train-images-idx3-ubyte.gz")
    set(says "cannot open Fashion-MNIST file \"[^\"]*train-images-idx3-ubyte\\.gz\": it is a symlink loop")
  endif()
  loom_cli_hostile_case(fashion_mnist_file_is_a_${kind} 7 "${says}"
    SETUP "rm -rf ${d} && mkdir -p ${d} && cp ${FMNIST}/*labels* ${FMNIST}/t10k-images* ${d}/ && ${make} && sed 's|/nonexistent/fashion-mnist|${d}|' ${DATA}/missing_dataset.loom > ${d}/model.loom"
    TIMEOUT 30 ARGS train ${d}/model.loom --max-steps 1 --no-test --run-dir ${d}/run)
endforeach()
loom_cli_hostile_case(fashion_mnist_path_is_a_regular_file 2
  "the Fashion-MNIST path \"[^\"]*not_a_dir\" is not a directory"
  SETUP "rm -rf ${HOSTILE}/fm_file && mkdir -p ${HOSTILE}/fm_file && echo x > ${HOSTILE}/fm_file/not_a_dir && sed 's|/nonexistent/fashion-mnist|${HOSTILE}/fm_file/not_a_dir|' ${DATA}/missing_dataset.loom > ${HOSTILE}/fm_file/model.loom"
  ARGS train ${HOSTILE}/fm_file/model.loom --max-steps 1 --no-test --run-dir ${HOSTILE}/fm_file/run)
loom_cli_hostile_case(csv_nan_cell_names_line_and_column 4
  "nan\\.csv:3: column 2 \\(\"b\"\\): \"nan\" is not a finite number"
  ARGS train ${HOSTILE_DATA}/csv_nan.loom --max-steps 1 --run-dir ${HOSTILE}/csv_nan)
# A corrupt checkpoint's position, on resume: the checkpoint is named.
foreach(mode epoch_negative step_outside)
  hostile_ckpt_setup(${mode} ${mode})
  if(mode STREQUAL "epoch_negative")
    set(says "checkpoint \"[^\"]*last\\.ckpt\" holds a negative position \\(epoch -5, step 3, global step 3\\)")
  else()
    set(says "checkpoint \"[^\"]*last\\.ckpt\" is at step 999999 of epoch 1, but an epoch of this run has 8 steps")
  endif()
  loom_cli_hostile_case(checkpoint_${mode}_on_resume 4 "${says}"
    SETUP "${SETUP_${mode}} && mkdir -p ${HOSTILE}/${mode}/run/checkpoints && cp ${HOSTILE}/${mode}/c.ckpt ${HOSTILE}/${mode}/run/checkpoints/last.ckpt"
    ARGS train ${HOSTILE_DATA}/tiny.loom --resume --run-dir ${HOSTILE}/${mode}/run --max-steps 5 --train-limit 512 --no-test)
endforeach()
loom_cli_hostile_case(resume_with_another_optimizer_says_so 5
  "checkpoint \"[^\"]*last\\.ckpt\" has no optimizer state \"adam\\.exp_avg/logits\\.weights\": was the run started with another optimizer\\?"
  SETUP "rm -rf ${HOSTILE}/other_optimizer && ${LOOM_BIN} train ${HOSTILE_DATA}/tiny.loom --max-steps 3 --train-limit 512 --no-test --run-dir ${HOSTILE}/other_optimizer >/dev/null 2>&1"
  ARGS train ${HOSTILE_DATA}/tiny.loom --resume --optimizer adam --run-dir ${HOSTILE}/other_optimizer --max-steps 5 --train-limit 512 --no-test)
# The studio's non-interactive open (--screenshot) of a directory, a FIFO with no writer and
# /dev/zero: the error at once, with the exit code `loom` gives for it (7, not a regular file;
# it showed an empty model and "Opened", or read /dev/zero without end).
if(TARGET loom-studio)
  foreach(kind directory fifo dev_zero)
    set(setup "true")
    if(kind STREQUAL "directory")
      set(target ${HOSTILE_DATA})
      set(says "cannot read \"[^\"]*hostile_data\": it is a directory")
    elseif(kind STREQUAL "fifo")
      set(target ${HOSTILE}/studio_model.fifo)
      set(setup "rm -f ${target} && mkfifo ${target}")
      set(says "cannot read \"[^\"]*studio_model\\.fifo\": it is a FIFO")
    else()
      set(target /dev/zero)
      set(says "cannot read \"/dev/zero\": it is a character device")
    endif()
    loom_cli_hostile_case(studio_opens_a_${kind} 7 "loom-studio: cannot open [^:]*: ${says}"
      BIN $<TARGET_FILE:loom-studio>
      ENV QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME=${HOSTILE}/studio_config
      TIMEOUT 30
      SETUP "${setup}"
      ARGS --screenshot ${HOSTILE}/studio_${kind}.png ${target})
  endforeach()
endif()
