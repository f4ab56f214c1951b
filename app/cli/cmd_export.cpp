// `loom export MODEL.loom -o model.onnx`: pre-flight, export, parity check, model card
// (docs/onnx.md). The work is engine/interop's; this file wires it and prints.
#include <cstdio>
#include <filesystem>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/core/file_util.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"
#include "engine/interop/model_card.h"
#include "engine/interop/onnx_export.h"
#include "engine/interop/onnx_metadata.h"
#include "engine/interop/parity.h"
#include "engine/train/trainer.h"

namespace loom::cli {

namespace {

std::string cardPathFor(const std::string& onnxPath) {
  std::filesystem::path p(onnxPath);
  p.replace_extension(".md");
  return p.string();
}

Dims perSample(const Dims& d) {
  return Dims(d.begin() + 1, d.end());
}

}  // namespace

int runExport(const ExportArgs& args) {
  if (args.output.empty()) return reportError(invalidArgument("loom export needs -o FILE.onnx"));
  if (args.parityImages < 1)
    return reportError(invalidArgument("--parity-images " + std::to_string(args.parityImages) +
                                       " must be at least 1"));
  for (std::int64_t b : args.parityBatches)
    if (b < 1)
      return reportError(
          invalidArgument("--parity-batch " + std::to_string(b) + " must be at least 1"));
  auto loaded = loadModel(args.model);
  if (!loaded) return reportError(loaded.status());
  Model model = std::move(*loaded);
  applyDefaults(model);
  if (Status st = useTrainedParameters(model, args.checkpoint, args.model,
                                       "exporting freshly initialised weights");
      !st)
    return reportError(st);
  OnnxExportOptions options;
  options.opset = args.opset;
  options.foldBatchNorm = args.foldBn;
  const auto problems = preflightOnnx(model, options);
  if (!problems.empty()) {
    std::fprintf(stderr, "loom: pre-flight: %zu node(s) cannot be exported; nothing written:\n",
                 problems.size());
    for (const OnnxExportProblem& p : problems)
      std::fprintf(stderr, "  %s\n", describeProblems({p}).c_str());
    return reportError(unsupported(args.model + ": cannot export to ONNX opset " +
                                   std::to_string(args.opset) + " (" +
                                   std::to_string(problems.size()) + " node(s) listed above)"));
  }
  if (Status st = materializeParameters(model); !st) return reportError(st);
  const GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), 1);
  if (!analysis.status) return reportError(analysis.status);
  Dims inputDims, outputDims;
  for (size_t i = 0; i < model.graph.nodes().size(); ++i) {
    if (model.graph.nodes()[i].op == "Input") inputDims = perSample(analysis.nodes[i].shape.output);
    if (model.graph.nodes()[i].name == analysis.outputNode)
      outputDims = perSample(analysis.nodes[i].shape.output);
  }
  auto pre = preprocessingOf(model, inputDims);
  if (!pre) return reportError(pre.status().withContext(args.model));
  std::vector<std::int64_t> labels;
  std::vector<std::string> classNames;
  const std::int64_t imagesWanted = args.noParity ? 1 : args.parityImages;
  auto images = preprocessedTestImages(model, imagesWanted, &labels, &classNames);
  if (!images) return reportError(images.status());
  options.metadata = onnxMetadata(model, *pre, classNames);
  auto exported = exportOnnx(model, options);
  if (!exported) return reportError(exported.status());
  if (Status st = writeFileAtomically(args.output, exported->bytes); !st) return reportError(st);
  std::printf(
      "wrote %s: ONNX opset %d, %d nodes, %d initializers, input \"%s\" [N, ...], "
      "output \"%s\"\n",
      args.output.c_str(), args.opset, exported->onnxNodes, exported->initializers,
      exported->inputName.c_str(), exported->outputName.c_str());
  for (const std::string& n : exported->foldedNodes)
    std::printf("folded BatchNorm \"%s\" into its convolution\n", n.c_str());

  ModelCardInput card;
  card.model = &model;
  card.onnxFile = std::filesystem::path(args.output).filename().string();
  card.options = options;
  card.result = *exported;
  card.preprocessing = *pre;
  card.labels = classNames;
  card.inputDims = inputDims;
  card.outputDims = outputDims;
  card.tolerance = args.tolerance;
  bool failed = false;
  if (!args.noParity) {
    std::printf("parity (Loom vs OpenCV DNN, %lld test images of %s):\n",
                static_cast<long long>(images->dim(0)), model.dataset.kind().c_str());
    std::printf("  %-12s %6s %14s %14s %10s %10s  %s\n", "output", "batch", "max abs diff",
                "max rel diff", "Loom top1", "CV top1", "verdict");
    for (std::int64_t b : args.parityBatches) {
      auto r = checkParity(model, args.output, *images, labels, b, exported->outputName);
      if (!r)
        return reportError(r.status().withContext("parity check at batch " + std::to_string(b)));
      const bool ok = r->maxRel <= args.tolerance;
      failed |= !ok;
      std::printf("  %-12s %6lld %14.3g %14.3g %9.2f%% %9.2f%%  %s\n", r->output.c_str(),
                  static_cast<long long>(b), r->maxAbs, r->maxRel,
                  100.0 * double(r->loomCorrect) / double(r->samples),
                  100.0 * double(r->opencvCorrect) / double(r->samples), ok ? "pass" : "FAIL");
      card.parity.push_back(*r);
    }
  }
  const std::string cardPath = cardPathFor(args.output);
  if (Status st = writeFileAtomically(cardPath, modelCardMarkdown(card)); !st)
    return reportError(st);
  std::printf("wrote %s (model card)\n", cardPath.c_str());
  if (failed) {
    std::fprintf(stderr,
                 "loom: error: parity check failed: OpenCV's outputs of %s differ from Loom's "
                 "by more than %g (relative to max(1, |value|))\n",
                 args.output.c_str(), args.tolerance);
    return kExitParity;
  }
  return kExitOk;
}

}  // namespace loom::cli
