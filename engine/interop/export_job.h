// One whole ONNX export as `loom export` and the studio's Export mode run it (docs/onnx.md):
// the options as data, their rules, then pre-flight, parameters, export, the parity check
// against OpenCV's DNN runtime and the model card.
//
// One source of truth: the CLI's flags (app/cli/cmd_export.cpp) and the studio's editors
// (widgets/modes/export/) take their names, help texts, defaults and allowed values from
// exportOptionSpecs(), ExportJobOptions' initialisers and kOnnxOpsets, and both call
// validateExportOptions() and runExportJob(); neither has a copy of a rule or a default.
//
// Threads: runExportJob() runs on whichever thread calls it (the studio calls it from a worker)
// and touches no global state but the op registry (read only) and the files it writes. Its
// progress callback is called on that thread; the callback cancels by returning false.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/model.h"
#include "engine/interop/onnx_export.h"
#include "engine/interop/parity.h"

namespace loom {

/// Everything one export may be asked for. The initialisers are the defaults of both the CLI
/// and the studio.
struct ExportJobOptions {
  std::string checkpoint;  ///< parameters to export; empty: the model file's own
  std::string output;      ///< the .onnx file (required); the card goes beside it, <name>.md
  int opset = 13;          ///< one of kOnnxOpsets (ops/onnx_mapping.h)
  bool foldBatchNorm = false;
  bool parity = true;                                 ///< run the parity check
  std::int64_t parityImages = 1000;                   ///< test images compared (>= 1)
  std::vector<std::int64_t> parityBatches = {1, 64};  ///< batch sizes both runtimes run at
  double tolerance = 1e-4;  ///< largest allowed |loom - opencv| / max(1, |loom|), >= 0
};

/// The options, one enumerator each, in the order they are shown (CLI --help, studio, docs).
enum class ExportOption {
  Checkpoint,
  Output,
  Opset,
  FoldBatchNorm,
  NoParity,
  ParityImages,
  ParityBatches,
  Tolerance,
};

/// One option described as data.
struct ExportOptionSpec {
  ExportOption option;
  const char* flag;     ///< the CLI's name(s), CLI11 style: "--opset", "-o,--output"
  const char* label;    ///< the studio's label: "Opset"
  const char* metavar;  ///< "CKPT", "FILE", ""; empty for flags without a value
  const char* help;     ///< one line: the CLI's help, the studio's tooltip, the docs' table
};

/// Every option, in display order.
const std::vector<ExportOptionSpec>& exportOptionSpecs();
const ExportOptionSpec& exportOptionSpec(ExportOption option);
/// The default of `option` as text ("13", "1 64", "1e-04", "off", "the model's own
/// parameters"), from ExportJobOptions{}.
std::string exportOptionDefaultText(ExportOption option);
/// The docs/onnx.md table of the options (option | default | meaning), from the specs.
std::string exportOptionsMarkdown();

/// The rules of the options: an output path, an opset of kOnnxOpsets, at least one parity
/// batch, every batch and the image count >= 1, a finite tolerance >= 0. InvalidArgument
/// naming the option and the value otherwise.
Status validateExportOptions(const ExportJobOptions& options);

/// Where the model card of `onnxPath` goes: the same name with ".md".
std::string modelCardPathFor(const std::string& onnxPath);

/// What the job is doing, for progress bars.
enum class ExportStage { Preflight, Export, Parity, Card };

struct ExportProgress {
  ExportStage stage = ExportStage::Preflight;
  std::string message;     ///< one line ("parity at batch 64: 320 of 1000 images")
  std::int64_t done = 0;   ///< of `total` units of the whole job (images compared, plus one
  std::int64_t total = 1;  ///< unit per other stage); done <= total
};

/// Called on the job's thread between steps (at least once per parity batch). Returning false
/// cancels: the job stops at once, removes the file it wrote and returns Cancelled.
using ExportProgressFn = std::function<bool(const ExportProgress&)>;

/// What one export did.
struct ExportJobReport {
  /// Pre-flight: every node that cannot be exported (onnx_export.h). Non-empty: the job
  /// stopped there and wrote nothing; the rest of the report is empty.
  std::vector<OnnxExportProblem> problems;
  std::vector<std::string> warnings;  ///< e.g. "exporting freshly initialised weights"
  OnnxExportResult result;            ///< result.bytes is the file written
  std::string onnxPath, cardPath;     ///< the files written
  std::string card;                   ///< the model card's Markdown, as written
  Dims inputDims, outputDims;         ///< per sample
  std::vector<std::string> labels;    ///< class names, index = output position
  std::vector<ParityResult> parity;   ///< one per parity batch; empty when not run
  /// Why the parity check did not run ("--no-parity", or the runtime lacks an operator the
  /// file uses); empty when it ran.
  std::string parityNotRun;
  std::int64_t parityImages = 0;  ///< images compared at each batch
  double tolerance = 0;

  bool wrote() const { return problems.empty(); }
  /// True when a parity result is above the tolerance (the file and card stay, the card says
  /// FAIL; `loom export` exits 9).
  bool parityFailed() const;
};

/// Runs one export of `model` (as loaded from `modelSource`, which names it in messages):
/// applies the defaults, loads options.checkpoint's parameters (or keeps the model's own, and
/// warns when it has none), pre-flight, exports, writes options.output atomically, runs the
/// parity check on the first options.parityImages test images at each batch, and writes the
/// model card; `producer` names what ran it in the card ("loom export"). Fails (nothing more
/// written) with the first error: bad options (validateExportOptions), an unreadable
/// checkpoint, a data set that cannot be read, a runtime that refuses the file, Cancelled.
/// Pre-flight problems are not an error: they come back in report.problems.
Expected<ExportJobReport> runExportJob(Model model, const std::string& modelSource,
                                       const ExportJobOptions& options, const std::string& producer,
                                       const ExportProgressFn& progress = {});

}  // namespace loom
