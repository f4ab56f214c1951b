// `loom predict MODEL IMAGE...`: top-k labels from a .loom file (Loom's engine) or an .onnx
// file (OpenCV's DNN runtime only, with the preprocessing and labels its metadata records).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/core/npy.h"
#include "engine/graph/model.h"
#include "engine/interop/image_input.h"
#include "engine/interop/loom_inference.h"
#include "engine/interop/onnx_file.h"
#include "engine/interop/onnx_metadata.h"
#include "engine/interop/opencv_runtime.h"
#include "engine/interop/parity.h"
#include "engine/proto/loom.pb.h"
#include "engine/train/trainer.h"

namespace loom::cli {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One runtime behind one interface: Loom's engine for .loom, OpenCV for .onnx.
struct Runner {
  std::unique_ptr<LoomInference> loom;
  std::unique_ptr<OpenCvOnnxModel> cv;
  Expected<Tensor> run(const Tensor& x) { return loom ? loom->run(x) : cv->run(x); }
};

struct Loaded {
  Runner runner;
  Preprocessing pre;
  std::vector<std::string> labels;
  pb::DatasetConfig dataset;
  Model model;  // .loom only
};

Expected<Loaded> loadForPredict(const PredictArgs& args) {
  Loaded l;
  if (endsWith(args.model, ".onnx")) {
    if (!args.checkpoint.empty())
      return invalidArgument("--checkpoint applies to .loom models, not " + args.model);
    LOOM_ASSIGN_OR_RETURN(auto meta, readOnnxMetadata(args.model));
    LOOM_ASSIGN_OR_RETURN(l.runner.cv, OpenCvOnnxModel::load(args.model));
    l.labels = labelsFromMetadata(meta);
    auto pre = preprocessingFromMetadata(meta, args.model);
    if (pre)
      l.pre = *pre;
    else if (!args.images.empty() || !args.split.empty())
      return pre.status();
    if (auto kind = meta.find("loom.dataset.kind"); kind != meta.end())
      l.dataset.set_kind(kind->second);
    if (auto path = meta.find("loom.dataset.path"); path != meta.end())
      l.dataset.set_path(path->second);
    return l;
  }
  LOOM_ASSIGN_OR_RETURN(l.model, loadModel(args.model));
  applyDefaults(l.model);
  LOOM_RETURN_IF_ERROR(useTrainedParameters(l.model, args.checkpoint, args.model,
                                            "predicting with freshly initialised weights"));
  LOOM_ASSIGN_OR_RETURN(l.runner.loom, LoomInference::create(l.model));
  l.dataset = l.model.dataset;
  auto pre = preprocessingOf(l.model, l.runner.loom->sampleDims());
  if (pre)
    l.pre = *pre;
  else if (!args.images.empty())
    return pre.status();
  if (!args.images.empty() || !args.split.empty()) {
    auto test = preprocessedTestImages(l.model, 1, nullptr, &l.labels);
    if (!test && !args.split.empty()) return test.status();
  }
  return l;
}

// The samples to predict on, and their true labels where known.
Expected<Tensor> gatherInput(const PredictArgs& args, Loaded& l, std::vector<std::int64_t>& truth,
                             std::vector<std::string>& names) {
  const int sources = !args.images.empty() + !args.input.empty() + !args.split.empty();
  if (sources != 1)
    return invalidArgument(
        "loom predict takes exactly one of IMAGE..., --input X.npy or "
        "--split test (got " +
        std::to_string(sources) + ")");
  if (!args.input.empty()) {
    LOOM_ASSIGN_OR_RETURN(Tensor x, readNpy(args.input));
    for (std::int64_t i = 0; i < x.dim(0); ++i)
      names.push_back(args.input + "[" + std::to_string(i) + "]");
    return x;
  }
  if (!args.images.empty()) {
    const Preprocessing& p = l.pre;
    Tensor all({static_cast<std::int64_t>(args.images.size()), p.channels, p.height, p.width});
    const std::int64_t per = p.channels * p.height * p.width;
    for (size_t i = 0; i < args.images.size(); ++i) {
      LOOM_ASSIGN_OR_RETURN(Tensor px,
                            loadImagePixels(args.images[i], p.channels, p.height, p.width));
      const Tensor x = applyPreprocessing(px, p);
      std::copy(x.f32(), x.f32() + per, all.f32() + static_cast<std::int64_t>(i) * per);
      names.push_back(args.images[i]);
    }
    return all;
  }
  if (args.limit < 1)
    return invalidArgument("--limit " + std::to_string(args.limit) + " must be at least 1");
  // The split's raw pixels with the preprocessing this model says (for .onnx: its metadata).
  Model m;
  m.dataset = l.dataset;
  m.dataset.set_mean(l.pre.mean);
  m.dataset.set_std(l.pre.std);
  if (m.dataset.kind().empty())
    return invalidArgument(args.model +
                           " does not name its data set (metadata \"loom.dataset.kind\")");
  std::vector<std::string> classNames;
  LOOM_ASSIGN_OR_RETURN(Tensor x, preprocessedTestImages(m, args.limit, &truth, &classNames));
  if (l.labels.empty()) l.labels = classNames;
  for (std::int64_t i = 0; i < args.limit; ++i) names.push_back("test[" + std::to_string(i) + "]");
  return x;
}

}  // namespace

int runPredict(const PredictArgs& args) {
  if (args.topK < 1) return reportError(invalidArgument("--top-k must be at least 1"));
  if (args.batchSize < 1) return reportError(invalidArgument("--batch-size must be at least 1"));
  auto loaded = loadForPredict(args);
  if (!loaded) return reportError(loaded.status());
  std::vector<std::int64_t> truth;
  std::vector<std::string> names;
  auto x = gatherInput(args, *loaded, truth, names);
  if (!x) return reportError(x.status());
  Tensor outputs;
  for (std::int64_t b = 0; b < x->dim(0); b += args.batchSize) {
    const std::int64_t e = std::min(x->dim(0), b + args.batchSize);
    auto y = loaded->runner.run(sliceBatch(*x, b, e));
    if (!y) return reportError(y.status());
    if (outputs.empty()) {
      Dims d = y->dims();
      d[0] = x->dim(0);
      outputs = Tensor(d);
    }
    const std::int64_t per = y->numel() / y->dim(0);
    std::copy(y->f32(), y->f32() + y->numel(), outputs.f32() + b * per);
  }
  const std::int64_t classes = outputs.numel() / outputs.dim(0);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < outputs.dim(0); ++i) {
    const float* row = outputs.f32() + i * classes;
    std::vector<std::int64_t> order(static_cast<size_t>(classes));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return row[a] > row[b]; });
    const float top = row[order[0]];
    double sum = 0;
    for (std::int64_t c = 0; c < classes; ++c) sum += std::exp(double(row[c]) - top);
    std::printf("%s:", names[static_cast<size_t>(i)].c_str());
    for (int k = 0; k < std::min<std::int64_t>(args.topK, classes); ++k) {
      const std::int64_t c = order[static_cast<size_t>(k)];
      const std::string label = c < static_cast<std::int64_t>(loaded->labels.size())
                                    ? loaded->labels[static_cast<size_t>(c)]
                                    : "class " + std::to_string(c);
      std::printf("  %s %.4f (p=%.3f)", label.c_str(), row[c],
                  std::exp(double(row[c]) - top) / sum);
    }
    if (!truth.empty()) {
      const std::int64_t t = truth[static_cast<size_t>(i)];
      correct += order[0] == t;
      std::printf("  [true: %s]", t < static_cast<std::int64_t>(loaded->labels.size())
                                      ? loaded->labels[static_cast<size_t>(t)].c_str()
                                      : "?");
    }
    std::printf("\n");
  }
  if (!truth.empty())
    std::printf("top-1: %lld / %lld correct (%.2f %%)\n", static_cast<long long>(correct),
                static_cast<long long>(outputs.dim(0)),
                100.0 * double(correct) / double(outputs.dim(0)));
  if (!args.saveOutputs.empty()) {
    if (Status st = writeNpy(args.saveOutputs, outputs); !st) return reportError(st);
    std::printf("wrote %s: outputs %s\n", args.saveOutputs.c_str(),
                dimsToString(outputs.dims()).c_str());
  }
  return kExitOk;
}

}  // namespace loom::cli
