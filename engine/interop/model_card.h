// The Markdown model card written beside an exported file (docs/onnx.md): inputs, outputs,
// labels, preprocessing, training data and settings, how it was exported and the parity
// check's numbers, so a person deploying the file needs nothing else.
#pragma once

#include <string>
#include <vector>

#include "engine/graph/model.h"
#include "engine/interop/onnx_export.h"
#include "engine/interop/onnx_metadata.h"
#include "engine/interop/parity.h"

namespace loom {

struct ModelCardInput {
  const Model* model = nullptr;
  std::string onnxFile;  ///< file name as written
  OnnxExportOptions options;
  OnnxExportResult result;
  Preprocessing preprocessing;
  std::vector<std::string> labels;
  Dims inputDims, outputDims;        ///< per sample
  std::vector<ParityResult> parity;  ///< empty: not checked
  std::string parityNotRun;          ///< why it was not checked (shown when parity is empty)
  double tolerance = 1e-4;
  std::string producer = "loom export";  ///< what ran the export ("Loom Studio (Export mode)")
};

std::string modelCardMarkdown(const ModelCardInput& in);

}  // namespace loom
