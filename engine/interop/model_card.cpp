#include "engine/interop/model_card.h"

#include <sstream>

#include "engine/core/version.h"

namespace loom {

namespace {

std::string perSample(const Dims& dims) {
  std::string s = "[N";
  for (std::int64_t d : dims) s += ", " + std::to_string(d);
  return s + "]";
}

std::string fmt(double v, const char* f = "%.3g") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

std::string modelCardMarkdown(const ModelCardInput& in) {
  const Model& m = *in.model;
  std::ostringstream md;
  md << "# Model card: " << m.name << "\n\n";
  if (!m.description.empty()) md << m.description << "\n\n";
  md << "File: `" << in.onnxFile << "` (ONNX opset " << in.options.opset << ", written by Loom "
     << kLoomVersion << "; " << in.result.onnxNodes << " nodes, " << in.result.initializers
     << " initializers).\n\n";
  md << "## Input\n\n| name | type | shape | layout |\n|---|---|---|---|\n";
  md << "| `" << in.result.inputName << "` | float32 | " << perSample(in.inputDims) << " | "
     << in.preprocessing.layout << " |\n\nN (the batch) is dynamic.\n\n";
  md << "### Preprocessing\n\n";
  if (in.preprocessing.normalization == "pixel_mean_std")
    md << "Images of " << in.preprocessing.height << "x" << in.preprocessing.width << " pixels, "
       << (in.preprocessing.channels == 1 ? "grayscale" : "RGB") << ", each pixel p in 0..255 "
       << "fed as `(p / 255 - " << fmt(in.preprocessing.mean, "%.6g") << ") / "
       << fmt(in.preprocessing.std, "%.6g") << "`.\n\n";
  else
    md << "None: the input is fed as it is.\n\n";
  md << "The same is recorded in the file's `metadata_props`:\n\n| key | meaning |\n|---|---|\n";
  for (const OnnxMetadataKey& k : onnxMetadataKeys())
    md << "| `" << k.key << "` | " << k.meaning << " |\n";
  md << "\n## Output\n\n| name | type | shape | meaning |\n|---|---|---|---|\n";
  md << "| `" << in.result.outputName << "` | float32 | " << perSample(in.outputDims)
     << " | one score (logit unless the model ends in Softmax) per class |\n\n";
  if (!in.labels.empty()) {
    md << "### Labels\n\n| index | label |\n|---|---|\n";
    for (size_t i = 0; i < in.labels.size(); ++i)
      md << "| " << i << " | " << in.labels[i] << " |\n";
    md << "\n";
  }
  md << "## Training\n\n";
  md << "- Data: `" << m.dataset.kind() << "`"
     << (m.dataset.path().empty() ? "" : " at `" + m.dataset.path() + "`") << "\n";
  md << "- Optimizer: " << m.training.optimizer().type() << ", learning rate "
     << fmt(m.training.optimizer().learning_rate(), "%.6g") << ", batch size "
     << m.training.batch_size() << ", " << m.training.epochs() << " epoch(s) configured\n";
  md << "- Parameters: " << (m.parameters.empty() ? "untrained" : "trained") << "\n\n";
  md << "## Export\n\n";
  md << "- By: " << in.producer << " at opset " << in.options.opset
     << (in.options.foldBatchNorm ? " with `--fold-bn`" : "") << "\n";
  md << "- BatchNorm in inference form (running statistics)";
  if (!in.result.foldedNodes.empty()) {
    md << "; folded into the preceding convolution:";
    for (const auto& n : in.result.foldedNodes) md << " `" << n << "`";
  }
  md << "\n- Dropout left out (the identity in inference); node names kept\n\n";
  md << "## Parity check (Loom vs OpenCV "
     << "DNN)\n\n";
  if (in.parity.empty()) {
    md << "Not run: " << (in.parityNotRun.empty() ? "`--no-parity`" : in.parityNotRun) << ".\n";
  } else {
    md << "| output | batch | images | max abs diff | max rel diff | Loom top-1 | OpenCV top-1 "
          "| verdict |\n|---|---|---|---|---|---|---|---|\n";
    for (const ParityResult& p : in.parity)
      md << "| `" << p.output << "` | " << p.batch << " | " << p.samples << " | " << fmt(p.maxAbs)
         << " | " << fmt(p.maxRel) << " | "
         << fmt(100.0 * double(p.loomCorrect) / double(p.samples), "%.2f") << " % | "
         << fmt(100.0 * double(p.opencvCorrect) / double(p.samples), "%.2f") << " % | "
         << (p.maxRel <= in.tolerance ? "pass" : "FAIL") << " (tolerance " << fmt(in.tolerance)
         << ") |\n";
    md << "\nTop-1 is measured on these test images only, not the whole test split.\n";
  }
  return md.str();
}

}  // namespace loom
