#include "engine/interop/onnx_metadata.h"

#include <nlohmann/json.hpp>

#include "engine/data/dataset_registry.h"

namespace loom {

namespace {

std::string formatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

Expected<double> number(const std::map<std::string, std::string>& meta, const char* key,
                        const std::string& source) {
  auto it = meta.find(key);
  if (it == meta.end()) return dataCorrupt(source + ": metadata key \"" + key + "\" is missing");
  try {
    size_t used = 0;
    const double v = std::stod(it->second, &used);
    if (used == it->second.size()) return v;
  } catch (const std::exception&) {
  }
  return dataCorrupt(source + ": metadata \"" + key + "\" = \"" + it->second +
                     "\" is not a number");
}

}  // namespace

const std::vector<OnnxMetadataKey>& onnxMetadataKeys() {
  static const std::vector<OnnxMetadataKey> keys = {
      {"loom.preprocess.normalization",
       "pixel_mean_std: x = (pixel / 255 - mean) / std; none: the input is fed as it is"},
      {"loom.preprocess.mean", "mean subtracted after scaling pixels to [0, 1]"},
      {"loom.preprocess.std", "standard deviation divided by after subtracting the mean"},
      {"loom.preprocess.layout", "layout of the input tensor (NCHW)"},
      {"loom.preprocess.input_size", "per-sample input size, CxHxW (e.g. 1x28x28)"},
      {"loom.preprocess.color", "gray (1 channel) or rgb"},
      {"loom.labels", "class names as a JSON array, index = output position"},
      {"loom.dataset.kind", "the training data set's kind (fashion_mnist, idx, ...)"},
      {"loom.dataset.path", "where the training data set was read from (empty: the default)"},
      {"loom.source_model", "the .loom model's name"},
      {"loom.structure_hash", "Loom's hash of the graph structure (ties the file to its model)"},
  };
  return keys;
}

Expected<Preprocessing> preprocessingOf(const Model& model, const Dims& sampleDims) {
  Preprocessing pre;
  const DatasetKind* kind = DatasetRegistry::global().find(model.dataset.kind());
  if (!kind)
    return invalidArgument("dataset kind \"" + model.dataset.kind() +
                           "\" is unknown; known: " + DatasetRegistry::global().namesForMessage());
  if (kind->normalization != DatasetNormalization::PixelMeanStd || sampleDims.size() != 3)
    return unsupported("dataset kind \"" + kind->name +
                       "\" is not normalised by pixel mean and std over [C, H, W] images; its "
                       "preprocessing cannot be recorded");
  pre.mean = model.dataset.mean();
  pre.std = model.dataset.std();
  pre.channels = sampleDims[0];
  pre.height = sampleDims[1];
  pre.width = sampleDims[2];
  pre.colorOrder = pre.channels == 1 ? "gray" : "rgb";
  return pre;
}

std::map<std::string, std::string> onnxMetadata(const Model& model, const Preprocessing& pre,
                                                const std::vector<std::string>& labels) {
  std::map<std::string, std::string> m;
  m["loom.preprocess.normalization"] = pre.normalization;
  m["loom.preprocess.mean"] = formatNumber(pre.mean);
  m["loom.preprocess.std"] = formatNumber(pre.std);
  m["loom.preprocess.layout"] = pre.layout;
  m["loom.preprocess.input_size"] = std::to_string(pre.channels) + "x" +
                                    std::to_string(pre.height) + "x" + std::to_string(pre.width);
  m["loom.preprocess.color"] = pre.colorOrder;
  m["loom.labels"] = nlohmann::json(labels).dump();
  m["loom.dataset.kind"] = model.dataset.kind();
  m["loom.dataset.path"] = model.dataset.path();
  m["loom.source_model"] = model.name;
  m["loom.structure_hash"] = modelStructureHash(model);
  return m;
}

Expected<Preprocessing> preprocessingFromMetadata(const std::map<std::string, std::string>& meta,
                                                  const std::string& source) {
  Preprocessing pre;
  auto get = [&](const char* key) -> Expected<std::string> {
    auto it = meta.find(key);
    if (it == meta.end()) return dataCorrupt(source + ": metadata key \"" + key + "\" is missing");
    return it->second;
  };
  LOOM_ASSIGN_OR_RETURN(pre.normalization, get("loom.preprocess.normalization"));
  if (pre.normalization != "pixel_mean_std" && pre.normalization != "none")
    return unsupported(source + ": metadata \"loom.preprocess.normalization\" = \"" +
                       pre.normalization + "\" is not pixel_mean_std or none");
  if (pre.normalization == "pixel_mean_std") {
    LOOM_ASSIGN_OR_RETURN(pre.mean, number(meta, "loom.preprocess.mean", source));
    LOOM_ASSIGN_OR_RETURN(pre.std, number(meta, "loom.preprocess.std", source));
    if (!(pre.std > 0))
      return dataCorrupt(source + ": metadata \"loom.preprocess.std\" must be > 0");
  }
  LOOM_ASSIGN_OR_RETURN(pre.layout, get("loom.preprocess.layout"));
  LOOM_ASSIGN_OR_RETURN(std::string size, get("loom.preprocess.input_size"));
  long long c = 0, h = 0, w = 0;
  char extra = 0;
  if (std::sscanf(size.c_str(), "%lldx%lldx%lld%c", &c, &h, &w, &extra) != 3 || c < 1 || h < 1 ||
      w < 1 || c > 4 || h > 65536 || w > 65536)
    return dataCorrupt(source + ": metadata \"loom.preprocess.input_size\" = \"" + size +
                       "\" is not CxHxW with C in 1..4");
  pre.channels = c;
  pre.height = h;
  pre.width = w;
  auto color = meta.find("loom.preprocess.color");
  pre.colorOrder = color != meta.end() ? color->second : (c == 1 ? "gray" : "rgb");
  return pre;
}

std::vector<std::string> labelsFromMetadata(const std::map<std::string, std::string>& meta) {
  auto it = meta.find("loom.labels");
  if (it == meta.end()) return {};
  auto j = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> labels;
  if (!j.is_array()) return labels;
  for (const auto& e : j)
    if (e.is_string()) labels.push_back(e.get<std::string>());
  return labels;
}

}  // namespace loom
