// Explanation jobs (job.h).
#include "engine/explain/job.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "engine/core/file_util.h"
#include "engine/core/npy.h"
#include "engine/explain/gradient_methods.h"
#include "engine/explain/registry.h"
#include "engine/explain/session.h"

namespace loom {

namespace fs = std::filesystem;

ExplainInput explainInputFromImages(const Tensor& images, const Tensor& labels, std::int64_t i,
                                    const std::vector<double>& mean,
                                    const std::vector<double>& std) {
  const Dims sample(images.dims().begin() + 1, images.dims().end());
  const std::int64_t per = numElements(sample), plane = per / sample[0];
  ExplainInput in;
  in.name = "test_" + std::to_string(i);
  in.label = labels.data<std::int64_t>()[i];
  in.display = Tensor(sample, DType::U8);
  std::memcpy(in.display.raw(), images.data<std::uint8_t>() + i * per, static_cast<size_t>(per));
  in.x = Tensor(sample);
  for (std::int64_t k = 0; k < per; ++k) {
    const size_t ch = static_cast<size_t>(k / plane);
    const double m = mean[std::min(ch, mean.size() - 1)];
    const double s = std[std::min(ch, std.size() - 1)];
    in.x.f32()[k] = static_cast<float>((in.display.data<std::uint8_t>()[k] / 255.0 - m) / s);
  }
  return in;
}

Expected<ExplainInput> readExplainImage(const std::string& path, const Dims& sample,
                                        const std::vector<double>& mean,
                                        const std::vector<double>& std) {
  if (sample.size() != 3 || (sample[0] != 1 && sample[0] != 3))
    return invalidArgument("image files need a model whose input is [1|3, H, W], not " +
                           dimsToString(sample));
  LOOM_RETURN_IF_ERROR(checkRegularFile(path, "image"));
  cv::Mat img;
  try {
    img = cv::imread(path, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    return dataCorrupt("image \"" + path + "\" cannot be read: " + e.what());
  }
  if (img.empty())
    return dataCorrupt("image \"" + path +
                       "\" cannot be read: not an image format OpenCV can decode, or corrupt");
  const std::int64_t c = sample[0], h = sample[1], w = sample[2];
  if (img.depth() != CV_8U)
    return invalidArgument("image \"" + path + "\" has " + std::to_string(8 * img.elemSize1()) +
                           "-bit channels; Loom explains 8-bit images");
  if (img.channels() != c)
    return invalidArgument("image \"" + path + "\" has " + std::to_string(img.channels()) +
                           " channel(s) but the model's input takes " + std::to_string(c) + " (" +
                           (c == 1 ? "grey" : "RGB") + ")");
  if (img.rows != h || img.cols != w)
    return invalidArgument("image \"" + path + "\" is " + std::to_string(img.cols) + "x" +
                           std::to_string(img.rows) +
                           " pixels (width x height) but the model's "
                           "input takes " +
                           std::to_string(w) + "x" + std::to_string(h));
  if (c == 3) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
  ExplainInput in;
  in.name = fs::path(path).stem().string();
  in.x = Tensor(sample);
  in.display = Tensor(sample, DType::U8);
  for (std::int64_t k = 0; k < c; ++k) {
    const double m =
        mean.empty() ? 0.0 : mean[std::min<size_t>(static_cast<size_t>(k), mean.size() - 1)];
    const double s =
        std.empty() ? 1.0 : std[std::min<size_t>(static_cast<size_t>(k), std.size() - 1)];
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x) {
        const std::uint8_t v = img.ptr<std::uint8_t>(static_cast<int>(y))[x * c + k];
        in.display.data<std::uint8_t>()[(k * h + y) * w + x] = v;
        in.x.f32()[(k * h + y) * w + x] = static_cast<float>((v / 255.0 - m) / s);
      }
  }
  return in;
}

namespace {

std::string stemOf(std::int64_t index, const std::string& name) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04lld_", static_cast<long long>(index));
  std::string safe;
  for (char ch : name) safe += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ? ch : '_';
  return buf + safe;
}

std::string className(const ExplainJobOptions& o, std::int64_t c) {
  if (c >= 0 && c < static_cast<std::int64_t>(o.classNames.size()))
    return o.classNames[static_cast<size_t>(c)];
  return std::to_string(c);
}

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

Status validate(const ExplainJobOptions& o, ExplainSession& session,
                const std::vector<ExplainInput>& inputs) {
  if (o.methods.empty()) return invalidArgument("no --method given");
  for (const auto& m : o.methods) LOOM_RETURN_IF_ERROR(session.checkMethod(m));
  for (const auto& [m, opts] : o.methodOptions)
    if (std::find(o.methods.begin(), o.methods.end(), m) == o.methods.end())
      return invalidArgument("options given for method \"" + m + "\", which is not in --method");
  if (o.targetClass) LOOM_RETURN_IF_ERROR(session.probe().checkClass(*o.targetClass));
  LOOM_RETURN_IF_ERROR(session.probe().checkScoreKind(o.kind));
  for (const auto& in : inputs)
    for (const auto& m : o.methods) LOOM_RETURN_IF_ERROR(session.checkInput(in, m));
  return Status::ok();
}

}  // namespace

Expected<ExplainJobResult> runExplainJob(const Graph& graph, ParameterSet& params,
                                         const std::vector<ExplainInput>& inputs,
                                         const ExplainJobOptions& o) {
  const ExplainerRegistry& reg = ExplainerRegistry::global();
  ExplainSessionOptions so;
  so.kind = o.kind;
  so.baseline = o.baseline;
  so.convNode = o.convNode;
  so.superpixels = o.superpixels;
  so.faithfulness = o.faithfulness;
  so.curves = o.curves;
  so.methodOptions = o.methodOptions;
  so.seed = o.seed;
  so.memoryBudgetBytes = o.memoryBudgetBytes;
  so.backends = o.backends;
  auto sessionOr = ExplainSession::create(graph, params, so);
  if (!sessionOr) return sessionOr.status();
  ExplainSession& session = *sessionOr;
  LOOM_RETURN_IF_ERROR(validate(o, session, inputs));
  ModelProbe& probe = session.probe();
  bool wantsConv = false;
  for (const auto& m : o.methods) wantsConv |= reg.find(m)->needsConvNode;
  const std::string& convNode = session.convNode();

  std::error_code ec;
  fs::create_directories(o.outputDir, ec);
  if (ec) return ioError("cannot create output directory \"" + o.outputDir + "\": " + ec.message());

  const auto start = std::chrono::steady_clock::now();
  ExplainProgress progress;
  progress.total = static_cast<std::int64_t>(inputs.size() * o.methods.size());
  ExplainJobResult result;
  nlohmann::json json = {{"methods", o.methods},
                         {"score", scoreKindName(o.kind)},
                         {"baseline", baselineName(o.baseline.kind)},
                         {"images", nlohmann::json::array()}};
  if (wantsConv) json["gradcam_node"] = convNode;
  std::ostringstream csv;
  csv << "image,label,predicted,target,method,score";
  for (const auto& m : kExplanationMetrics) csv << "," << m;
  csv << "\n";
  std::vector<Tensor> gridImages;
  std::vector<std::vector<Tensor>> gridOverlays;
  std::vector<std::string> rowLabels, titles;
  for (const auto& m : o.methods) titles.push_back(reg.find(m)->title);

  auto finish = [&]() -> Status {
    if (!gridImages.empty()) {
      result.gridPath = (fs::path(o.outputDir) / "grid.png").string();
      LOOM_RETURN_IF_ERROR(writePng(
          result.gridPath, renderGrid(gridImages, gridOverlays, titles, rowLabels, o.style)));
    }
    result.csvPath = (fs::path(o.outputDir) / "scores.csv").string();
    result.jsonPath = (fs::path(o.outputDir) / "scores.json").string();
    json["complete"] = !result.cancelled;
    LOOM_RETURN_IF_ERROR(writeFileAtomically(result.csvPath, csv.str()));
    return writeFileAtomically(result.jsonPath, json.dump(2) + "\n");
  };

  for (size_t i = 0; i < inputs.size(); ++i) {
    const ExplainInput& in = inputs[i];
    Dims one{1};
    one.insert(one.end(), in.x.dims().begin(), in.x.dims().end());
    const Tensor x = in.x.reshaped(one);
    auto out = probe.outputs(x);
    if (!out) return out.status().withContext("image \"" + in.name + "\"");
    const std::int64_t predicted = ModelProbe::argmax(*out)[0];
    const std::int64_t target = o.targetClass ? *o.targetClass : predicted;
    const std::string stem = stemOf(static_cast<std::int64_t>(i), in.name);
    const fs::path dir = fs::path(o.outputDir) / stem;
    fs::create_directories(dir, ec);
    if (ec) return ioError("cannot create \"" + dir.string() + "\": " + ec.message());
    LOOM_RETURN_IF_ERROR(
        writePng((dir / "image.png").string(), renderImage(in.display, o.style.scale)));

    nlohmann::json img = {{"name", in.name},
                          {"dir", stem},
                          {"predicted", predicted},
                          {"predicted_name", className(o, predicted)},
                          {"target", target},
                          {"target_name", className(o, target)},
                          {"methods", nlohmann::json::object()}};
    if (in.label >= 0) img["label"] = in.label;
    std::vector<Tensor> overlays;
    std::ostringstream rows;  // joins the table only when the image is complete
    for (const auto& m : o.methods) {
      if (o.cancel && o.cancel->load()) {
        result.cancelled = true;
        break;
      }
      progress.current =
          "image " + std::to_string(i + 1) + "/" + std::to_string(inputs.size()) + ", " + m;
      if (o.onProgress) o.onProgress(progress);
      auto e = session.explain(in, static_cast<std::int64_t>(i), m, target);
      if (!e) return e.status();
      LOOM_RETURN_IF_ERROR(writeNpy((dir / (m + ".npy")).string(), e->map));
      Tensor overlay = renderOverlay(in.display, pixelSaliency(e->map, 0, false), o.style);
      LOOM_RETURN_IF_ERROR(writePng((dir / (m + ".png")).string(), overlay));
      overlays.push_back(std::move(overlay));
      nlohmann::json mj = {{"npy", stem + "/" + m + ".npy"}, {"png", stem + "/" + m + ".png"}};
      const double score = e->scores.empty() ? std::nan("") : e->scores[0];
      if (std::isfinite(score)) mj["score"] = score;
      rows << csvField(in.name) << "," << (in.label >= 0 ? std::to_string(in.label) : "") << ","
           << predicted << "," << target << "," << m << ",";
      if (std::isfinite(score)) rows << score;
      for (const auto& name : kExplanationMetrics) {
        rows << ",";
        auto it = e->metrics.find(name);
        if (it != e->metrics.end() && !it->second.empty()) {
          rows << it->second[0];
          mj[name] = it->second[0];
        }
      }
      rows << "\n";
      img["methods"][m] = mj;
      ++progress.done;
      progress.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress.etaSeconds = progress.seconds / static_cast<double>(progress.done) *
                            static_cast<double>(progress.total - progress.done);
      if (o.onProgress) o.onProgress(progress);
    }
    if (result.cancelled) break;
    csv << rows.str();
    json["images"].push_back(img);
    gridImages.push_back(in.display);
    gridOverlays.push_back(std::move(overlays));
    rowLabels.push_back(in.name + "\n" +
                        (in.label >= 0 ? "true " + className(o, in.label) + "\n" : "") + "target " +
                        className(o, target));
    ++result.imagesDone;
  }
  LOOM_RETURN_IF_ERROR(finish());
  return result;
}

}  // namespace loom
