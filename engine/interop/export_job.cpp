#include "engine/interop/export_job.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "engine/core/file_util.h"
#include "engine/graph/analysis.h"
#include "engine/interop/model_card.h"
#include "engine/interop/onnx_metadata.h"
#include "engine/interop/opencv_runtime.h"
#include "engine/ops/onnx_mapping.h"
#include "engine/train/trainer.h"

namespace loom {

const std::vector<ExportOptionSpec>& exportOptionSpecs() {
  static const std::vector<ExportOptionSpec> specs = {
      {ExportOption::Checkpoint, "--checkpoint", "Checkpoint", "CKPT",
       "checkpoint whose parameters to export"},
      {ExportOption::Output, "-o,--output", "Output file", "FILE",
       "the ONNX file; the model card goes beside it as NAME.md"},
      {ExportOption::Opset, "--opset", "Opset", "13|17",
       "ONNX opset: 13 (IR 7) or 17 (IR 8); nothing else is written"},
      {ExportOption::FoldBatchNorm, "--fold-bn", "Fold BatchNorm", "",
       "fold each BatchNorm into the Conv2D before it (when nothing else reads the convolution)"},
      {ExportOption::NoParity, "--no-parity", "Skip parity check", "",
       "skip the parity check against OpenCV's DNN runtime (the card says so)"},
      {ExportOption::ParityImages, "--parity-images", "Parity images", "N", "test images compared"},
      {ExportOption::ParityBatches, "--parity-batch", "Parity batches", "B",
       "batch sizes both runtimes run at"},
      {ExportOption::Tolerance, "--tolerance", "Tolerance", "T",
       "largest allowed |loom - opencv| / max(1, |loom|)"},
  };
  return specs;
}

const ExportOptionSpec& exportOptionSpec(ExportOption option) {
  for (const ExportOptionSpec& s : exportOptionSpecs())
    if (s.option == option) return s;
  return exportOptionSpecs().front();  // unreachable: every enumerator has a spec
}

namespace {

std::string joined(const std::vector<std::int64_t>& values) {
  std::string s;
  for (std::int64_t v : values) s += (s.empty() ? "" : " ") + std::to_string(v);
  return s;
}

std::string shortNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::string exportOptionDefaultText(ExportOption option) {
  const ExportJobOptions d;
  switch (option) {
    case ExportOption::Checkpoint:
      return "the model's own parameters";
    case ExportOption::Output:
      return "required";
    case ExportOption::Opset:
      return std::to_string(d.opset);
    case ExportOption::FoldBatchNorm:
      return d.foldBatchNorm ? "on" : "off";
    case ExportOption::NoParity:
      return d.parity ? "off" : "on";
    case ExportOption::ParityImages:
      return std::to_string(d.parityImages);
    case ExportOption::ParityBatches:
      return joined(d.parityBatches);
    case ExportOption::Tolerance:
      return shortNumber(d.tolerance);
  }
  return {};
}

std::string exportOptionsMarkdown() {
  std::string md = "| option | default | meaning |\n|---|---|---|\n";
  for (const ExportOptionSpec& s : exportOptionSpecs()) {
    std::string flag = s.flag;
    if (auto comma = flag.find(','); comma != std::string::npos)
      flag = flag.substr(0, comma) + ", " + flag.substr(comma + 1);
    std::string help = s.help;
    for (size_t at = 0; (at = help.find('|', at)) != std::string::npos; at += 2)
      help.replace(at, 1, "\\|");
    md += "| `" + flag + "` | " + exportOptionDefaultText(s.option) + " | " + help + " |\n";
  }
  return md;
}

Status validateExportOptions(const ExportJobOptions& o) {
  if (o.output.empty()) return invalidArgument("the export needs an output file (-o FILE.onnx)");
  if (!std::any_of(std::begin(kOnnxOpsets), std::end(kOnnxOpsets),
                   [&](int v) { return v == o.opset; }))
    return invalidArgument("--opset " + std::to_string(o.opset) +
                           " is not one Loom writes; choose 13 or 17");
  if (o.parityImages < 1)
    return invalidArgument("--parity-images " + std::to_string(o.parityImages) +
                           " must be at least 1");
  if (o.parityBatches.empty()) return invalidArgument("--parity-batch needs at least one size");
  for (std::int64_t b : o.parityBatches)
    if (b < 1)
      return invalidArgument("--parity-batch " + std::to_string(b) + " must be at least 1");
  if (!std::isfinite(o.tolerance) || o.tolerance < 0)
    return invalidArgument("--tolerance " + shortNumber(o.tolerance) +
                           " must be a finite number >= 0");
  return Status::ok();
}

std::string modelCardPathFor(const std::string& onnxPath) {
  std::filesystem::path p(onnxPath);
  p.replace_extension(".md");
  return p.string();
}

bool ExportJobReport::parityFailed() const {
  return std::any_of(parity.begin(), parity.end(),
                     [&](const ParityResult& r) { return !(r.maxRel <= tolerance); });
}

namespace {

Dims perSample(const Dims& d) {
  return Dims(d.begin() + 1, d.end());
}

// A cancelled export keeps nothing; a file that cannot be removed is no reason to fail.
void removeQuietly(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

Status cancelled(const std::string& what) {
  return Status(ErrorCode::Cancelled, "export cancelled " + what);
}

// The job's progress units: pre-flight, export, each image at each parity batch, the card.
class Progress {
 public:
  Progress(const ExportJobOptions& o, const ExportProgressFn& fn) : m_fn(fn) {
    m_total = 3 + (o.parity ? o.parityImages * std::int64_t(o.parityBatches.size()) : 0);
  }
  bool report(ExportStage stage, std::string message, std::int64_t done) {
    if (!m_fn) return true;
    return m_fn({stage, std::move(message), std::min(done, m_total), m_total});
  }
  std::int64_t total() const { return m_total; }

 private:
  const ExportProgressFn& m_fn;
  std::int64_t m_total;
};

// The missing runtime operators the file uses, as a sentence; empty when OpenCV can run it.
std::string runtimeGap(const OnnxExportResult& result) {
  std::string missing;
  for (const std::string& op : result.opTypes)
    if (contains(opencvMissingOnnxOps(), op)) missing += (missing.empty() ? "" : ", ") + op;
  if (missing.empty()) return {};
  return "OpenCV 4.6's DNN module has no layer for ONNX's " + missing +
         " (written for GELU with approximate=\"none\"), so it cannot run this file; check it "
         "with another runtime, or use approximate=\"tanh\", which OpenCV runs";
}

// Input and output shapes per sample, from the analysis at batch 1.
Status sampleDims(const Model& model, Dims& input, Dims& output) {
  const GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(analysis.status);
  for (size_t i = 0; i < model.graph.nodes().size(); ++i) {
    if (model.graph.nodes()[i].op == "Input") input = perSample(analysis.nodes[i].shape.output);
    if (model.graph.nodes()[i].name == analysis.outputNode)
      output = perSample(analysis.nodes[i].shape.output);
  }
  return Status::ok();
}

Status runParity(const Model& model, const ExportJobOptions& o, const Tensor& images,
                 const std::vector<std::int64_t>& labels, ExportJobReport& report,
                 Progress& progress) {
  std::int64_t base = 2;
  for (std::int64_t b : o.parityBatches) {
    const std::string what = "parity at batch " + std::to_string(b) + ": ";
    if (!progress.report(ExportStage::Parity, what + "loading both runtimes", base))
      return cancelled("before the parity check");
    auto r = checkParity(model, report.onnxPath, images, labels, b, report.result.outputName,
                         [&](std::int64_t done) {
                           return progress.report(ExportStage::Parity,
                                                  what + std::to_string(done) + " of " +
                                                      std::to_string(images.dim(0)) + " images",
                                                  base + done);
                         });
    if (!r) return r.status().withContext("parity check at batch " + std::to_string(b));
    report.parity.push_back(*r);
    base += images.dim(0);
  }
  return Status::ok();
}

}  // namespace

Expected<ExportJobReport> runExportJob(Model model, const std::string& modelSource,
                                       const ExportJobOptions& o, const std::string& producer,
                                       const ExportProgressFn& progressFn) {
  LOOM_RETURN_IF_ERROR(validateExportOptions(o));
  Progress progress(o, progressFn);
  ExportJobReport report;
  report.tolerance = o.tolerance;
  applyDefaults(model);
  if (!progress.report(ExportStage::Preflight, "pre-flight", 0)) return cancelled("at the start");
  if (!o.checkpoint.empty())
    LOOM_RETURN_IF_ERROR(loadCheckpointParameters(model, o.checkpoint));
  else if (model.parameters.empty())
    report.warnings.push_back(modelSource +
                              " has no trained parameters and no checkpoint was given; "
                              "exporting freshly initialised weights");
  OnnxExportOptions options;
  options.opset = o.opset;
  options.foldBatchNorm = o.foldBatchNorm;
  report.problems = preflightOnnx(model, options);
  if (!report.problems.empty()) return report;

  LOOM_RETURN_IF_ERROR(materializeParameters(model));
  LOOM_RETURN_IF_ERROR(sampleDims(model, report.inputDims, report.outputDims));
  auto pre = preprocessingOf(model, report.inputDims);
  if (!pre) return pre.status().withContext(modelSource);
  std::vector<std::int64_t> labels;
  report.parityImages = o.parity ? o.parityImages : 1;  // one image gives the class names
  LOOM_ASSIGN_OR_RETURN(
      Tensor images, preprocessedTestImages(model, report.parityImages, &labels, &report.labels));
  if (!progress.report(ExportStage::Export, "exporting", 1)) return cancelled("before export");
  options.metadata = onnxMetadata(model, *pre, report.labels);
  LOOM_ASSIGN_OR_RETURN(report.result, exportOnnx(model, options));
  report.onnxPath = o.output;
  LOOM_RETURN_IF_ERROR(writeFileAtomically(o.output, report.result.bytes));

  if (!o.parity)
    report.parityNotRun = "`--no-parity`";
  else
    report.parityNotRun = runtimeGap(report.result);
  if (report.parityNotRun.empty()) {
    if (Status st = runParity(model, o, images, labels, report, progress); !st) {
      if (st.code() == ErrorCode::Cancelled) removeQuietly(o.output);
      return st;
    }
  }
  if (!progress.report(ExportStage::Card, "writing the model card", progress.total() - 1)) {
    removeQuietly(o.output);
    return cancelled("before the model card");
  }
  ModelCardInput card;
  card.model = &model;
  card.onnxFile = std::filesystem::path(o.output).filename().string();
  card.options = options;
  card.result = report.result;
  card.preprocessing = *pre;
  card.labels = report.labels;
  card.inputDims = report.inputDims;
  card.outputDims = report.outputDims;
  card.tolerance = o.tolerance;
  card.parity = report.parity;
  card.parityNotRun = report.parityNotRun;
  card.producer = producer;
  report.card = modelCardMarkdown(card);
  report.cardPath = modelCardPathFor(o.output);
  LOOM_RETURN_IF_ERROR(writeFileAtomically(report.cardPath, report.card));
  return report;
}

}  // namespace loom
