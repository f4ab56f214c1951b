// `loom export MODEL.loom -o model.onnx`: pre-flight, export, parity check, model card
// (docs/onnx.md). The options and the work are engine/interop's (export_job.h), shared with the
// studio's Export mode; this file makes the flags from them, runs the job and prints.
#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/graph/model.h"
#include "engine/interop/export_job.h"

namespace loom::cli {

namespace {

/// "Checkpoint whose ... (default 13)": the spec's help as CLI11 shows it.
std::string helpOf(ExportOption option) {
  std::string help = exportOptionSpec(option).help;
  help[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(help[0])));
  if (option != ExportOption::Output && option != ExportOption::NoParity &&
      option != ExportOption::FoldBatchNorm)
    help += " (default " + exportOptionDefaultText(option) + ")";
  return help;
}

template <class T>
CLI::Option* addOption(CLI::App* x, ExportOption option, T& value) {
  const ExportOptionSpec& spec = exportOptionSpec(option);
  return x->add_option(spec.flag, value, helpOf(option))->type_name(spec.metavar);
}

void printParityTable(const ExportJobReport& r, const Model& model) {
  std::printf("parity (Loom vs OpenCV DNN, %lld test images of %s):\n",
              static_cast<long long>(r.parityImages), model.dataset.kind().c_str());
  std::printf("  %-12s %6s %14s %14s %10s %10s  %s\n", "output", "batch", "max abs diff",
              "max rel diff", "Loom top1", "CV top1", "verdict");
  for (const ParityResult& p : r.parity)
    std::printf("  %-12s %6lld %14.3g %14.3g %9.2f%% %9.2f%%  %s\n", p.output.c_str(),
                static_cast<long long>(p.batch), p.maxAbs, p.maxRel,
                100.0 * double(p.loomCorrect) / double(p.samples),
                100.0 * double(p.opencvCorrect) / double(p.samples),
                p.maxRel <= r.tolerance ? "pass" : "FAIL");
}

}  // namespace

CLI::App* addExportCommand(CLI::App& app, ExportArgs& a) {
  auto* x = app.add_subcommand("export", "Export a model to ONNX, check it against OpenCV's DNN");
  x->add_option("model", a.model, "Model file (.loom)")->required();
  addOption(x, ExportOption::Checkpoint, a.job.checkpoint);
  addOption(x, ExportOption::Output, a.job.output)->required();
  addOption(x, ExportOption::Opset, a.job.opset);
  x->add_flag(exportOptionSpec(ExportOption::FoldBatchNorm).flag, a.job.foldBatchNorm,
              helpOf(ExportOption::FoldBatchNorm));
  x->add_flag(exportOptionSpec(ExportOption::NoParity).flag, a.noParity,
              helpOf(ExportOption::NoParity));
  addOption(x, ExportOption::ParityImages, a.job.parityImages);
  addOption(x, ExportOption::ParityBatches, a.job.parityBatches);
  addOption(x, ExportOption::Tolerance, a.job.tolerance);
  return x;
}

int runExport(const ExportArgs& args) {
  ExportJobOptions options = args.job;
  options.parity = !args.noParity;
  if (Status st = validateExportOptions(options); !st) return reportError(st);
  auto loaded = loadModel(args.model);
  if (!loaded) return reportError(loaded.status());
  applyDefaults(*loaded);
  auto report = runExportJob(*loaded, args.model, options, "`loom export`");
  if (!report) return reportError(report.status());
  for (const std::string& w : report->warnings)
    std::fprintf(stderr, "loom: warning: %s\n", w.c_str());
  if (!report->wrote()) {
    std::fprintf(stderr, "loom: pre-flight: %zu node(s) cannot be exported; nothing written:\n",
                 report->problems.size());
    for (const OnnxExportProblem& p : report->problems)
      std::fprintf(stderr, "  %s\n", describeProblems({p}).c_str());
    return reportError(
        unsupported(args.model + ": cannot export to ONNX opset " + std::to_string(options.opset) +
                    " (" + std::to_string(report->problems.size()) + " node(s) listed above)"));
  }
  const OnnxExportResult& r = report->result;
  std::printf(
      "wrote %s: ONNX opset %d, %d nodes, %d initializers, input \"%s\" [N, ...], "
      "output \"%s\"\n",
      report->onnxPath.c_str(), options.opset, r.onnxNodes, r.initializers, r.inputName.c_str(),
      r.outputName.c_str());
  for (const std::string& n : r.foldedNodes)
    std::printf("folded BatchNorm \"%s\" into its convolution\n", n.c_str());
  if (!report->parity.empty()) printParityTable(*report, *loaded);
  if (options.parity && report->parity.empty())
    std::fprintf(stderr, "loom: warning: parity not checked: %s\n", report->parityNotRun.c_str());
  std::printf("wrote %s (model card)\n", report->cardPath.c_str());
  if (report->parityFailed()) {
    std::fprintf(stderr,
                 "loom: error: parity check failed: OpenCV's outputs of %s differ from Loom's "
                 "by more than %g (relative to max(1, |value|))\n",
                 report->onnxPath.c_str(), options.tolerance);
    return kExitParity;
  }
  return kExitOk;
}

}  // namespace loom::cli
