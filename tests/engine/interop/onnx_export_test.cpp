// ONNX export: pre-flight lists every node that cannot be written (and nothing is built),
// opsets other than 13/17 are refused, metadata reads back, Dropout is left out; GELU is
// written as its formula (Erf or Tanh) and OpenCV runs the forms it has layers for.
#include "engine/interop/onnx_export.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "engine/core/file_util.h"
#include "engine/graph/model.h"
#include "engine/interop/export_job.h"
#include "engine/interop/loom_inference.h"
#include "engine/interop/onnx_metadata.h"
#include "engine/interop/opencv_runtime.h"
#include "tests/engine/interop/small_model.h"

namespace loom {
namespace {

Model smallModel(bool withBadNodes, const std::string& gelu = "none") {
  return test::smallGeluModel({.gelu = gelu, .badPool = withBadNodes});
}

TEST(OnnxExport, PreflightListsEveryUnexportableNodeWithItsReason) {
  const Model m = smallModel(true);
  const auto problems = preflightOnnx(m, OnnxExportOptions{});
  ASSERT_EQ(problems.size(), 1u) << describeProblems(problems);
  EXPECT_EQ(problems[0].node, "pool");
  EXPECT_EQ(problems[0].op, "AvgPool2D");
  EXPECT_NE(problems[0].reason.find("count_include_pad"), std::string::npos);
  auto r = exportOnnx(m, OnnxExportOptions{});
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::Unsupported);
  EXPECT_NE(r.status().message().find("node \"pool\" (AvgPool2D)"), std::string::npos);
}

// The ONNX op types of an exported file, in node order.
std::vector<std::string> opTypes(const std::string& bytes) {
  onnx::ModelProto p;
  EXPECT_TRUE(p.ParseFromString(bytes));
  std::vector<std::string> ops;
  for (const auto& n : p.graph().node()) ops.push_back(n.op_type());
  return ops;
}

TEST(OnnxExport, GeluIsWrittenAsItsFormula) {
  for (int opset : {13, 17}) {
    OnnxExportOptions o;
    o.opset = opset;
    auto exact = exportOnnx(smallModel(false, "none"), o);
    ASSERT_TRUE(exact.hasValue()) << exact.status().message();
    EXPECT_EQ(opTypes(exact->bytes), (std::vector<std::string>{"Conv", "Div", "Erf", "Add", "Mul",
                                                               "Mul", "Flatten", "Gemm"}));
    auto tanh = exportOnnx(smallModel(false, "tanh"), o);
    ASSERT_TRUE(tanh.hasValue()) << tanh.status().message();
    EXPECT_EQ(opTypes(tanh->bytes),
              (std::vector<std::string>{"Conv", "Mul", "Mul", "Mul", "Add", "Mul", "Tanh", "Add",
                                        "Mul", "Mul", "Flatten", "Gemm"}));
    EXPECT_EQ(tanh->opTypes,
              (std::vector<std::string>{"Add", "Conv", "Flatten", "Gemm", "Mul", "Tanh"}));
  }
}

// Loom and OpenCV on the same random batch: the largest |a - b| / max(1, |a|).
double loomVsOpenCv(const Model& m, const std::string& path, std::int64_t batch) {
  auto loom = LoomInference::create(m);
  EXPECT_TRUE(loom.hasValue());
  auto cv = OpenCvOnnxModel::load(path);
  EXPECT_TRUE(cv.hasValue()) << cv.status().message();
  if (!loom || !cv) return INFINITY;
  Tensor x({batch, 1, 8, 8});
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (std::int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = normal(rng);
  auto a = (*loom)->run(x);
  auto b = (*cv)->run(x);
  EXPECT_TRUE(a.hasValue() && b.hasValue());
  if (!a || !b || a->numel() != b->numel()) return INFINITY;
  double worst = 0;
  for (std::int64_t i = 0; i < a->numel(); ++i)
    worst = std::max(worst, std::fabs(double(a->f32()[i]) - double(b->f32()[i])) /
                                std::max(1.0, std::fabs(double(a->f32()[i]))));
  return worst;
}

// OpenCV 4.6 runs both GELU forms (Erf and Tanh) and gives Loom's outputs.
TEST(OnnxExport, OpenCvRunsBothGeluForms) {
  const std::string dir = ::testing::TempDir();
  EXPECT_TRUE(opencvMissingOnnxOps().empty());
  for (const char* form : {"none", "tanh"}) {
    const Model m = smallModel(false, form);
    auto e = exportOnnx(m, OnnxExportOptions{});
    ASSERT_TRUE(e.hasValue()) << e.status().message();
    const std::string path = dir + "/gelu_" + form + ".onnx";
    ASSERT_TRUE(writeFileAtomically(path, e->bytes));
    for (std::int64_t batch : {1, 16}) EXPECT_LT(loomVsOpenCv(m, path, batch), 1e-5) << form;
  }
}

TEST(ExportJob, OptionRulesNameTheOptionAndValue) {
  ExportJobOptions o;
  EXPECT_NE(validateExportOptions(o).message().find("output"), std::string::npos);
  o.output = "x.onnx";
  EXPECT_TRUE(validateExportOptions(o));
  auto refused = [&](auto edit, const char* text) {
    ExportJobOptions bad = o;
    edit(bad);
    const Status st = validateExportOptions(bad);
    EXPECT_EQ(st.code(), ErrorCode::InvalidArgument) << text;
    EXPECT_NE(st.message().find(text), std::string::npos) << st.message();
  };
  refused([](ExportJobOptions& b) { b.opset = 11; }, "--opset 11");
  refused([](ExportJobOptions& b) { b.parityImages = 0; }, "--parity-images 0");
  refused([](ExportJobOptions& b) { b.parityBatches = {1, 0}; }, "--parity-batch 0");
  refused([](ExportJobOptions& b) { b.parityBatches.clear(); }, "--parity-batch");
  refused([](ExportJobOptions& b) { b.tolerance = -1; }, "--tolerance -1");
  refused([](ExportJobOptions& b) { b.tolerance = NAN; }, "--tolerance nan");
  // docs/onnx.md's option table is the one the specs give.
  auto doc = readFile(LOOM_SOURCE_DIR "/docs/onnx.md");
  ASSERT_TRUE(doc.hasValue()) << doc.status().message();
  EXPECT_NE(doc->find(exportOptionsMarkdown()), std::string::npos)
      << "docs/onnx.md's option table differs from exportOptionsMarkdown():\n"
      << exportOptionsMarkdown();
}

TEST(OnnxExport, OnlyOpsets13And17) {
  const Model m = smallModel(false);
  for (int opset : {11, 12, 14, 18}) {
    OnnxExportOptions o;
    o.opset = opset;
    auto r = exportOnnx(m, o);
    ASSERT_FALSE(r.hasValue()) << opset;
    EXPECT_NE(r.status().message().find("choose 13 or 17"), std::string::npos);
  }
}

TEST(OnnxExport, DropoutLeftOutAndBatchSymbolic) {
  const Model m = smallModel(false);
  auto r = exportOnnx(m, OnnxExportOptions{});
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  onnx::ModelProto p;
  ASSERT_TRUE(p.ParseFromString(r->bytes));
  for (const auto& n : p.graph().node()) {
    EXPECT_NE(n.op_type(), "Dropout");
    for (const auto& in : n.input()) EXPECT_NE(in, "drop") << n.name();
  }
  EXPECT_EQ(p.graph().input(0).type().tensor_type().shape().dim(0).dim_param(), "N");
  EXPECT_EQ(p.graph().output(0).type().tensor_type().shape().dim(0).dim_param(), "N");
  // "same" padding written as the explicit pads it resolves to: 3x3 on 8x8 -> 1 each side.
  const auto& conv = p.graph().node(0);
  ASSERT_EQ(conv.op_type(), "Conv");
  bool sawPads = false;
  for (const auto& a : conv.attribute()) {
    if (a.name() != "pads") continue;
    sawPads = true;
    EXPECT_EQ(std::vector<std::int64_t>(a.ints().begin(), a.ints().end()),
              (std::vector<std::int64_t>{1, 1, 1, 1}));
  }
  EXPECT_TRUE(sawPads);
}

TEST(OnnxExport, MetadataReadsBack) {
  Model m = smallModel(false);
  m.dataset.set_mean(0.25);
  m.dataset.set_std(0.5);
  auto pre = preprocessingOf(m, {1, 8, 8});
  ASSERT_TRUE(pre.hasValue()) << pre.status().message();
  const auto meta = onnxMetadata(m, *pre, {"a", "b\"quoted\"", "c"});
  for (const auto& k : onnxMetadataKeys()) EXPECT_TRUE(meta.count(k.key)) << k.key;
  auto back = preprocessingFromMetadata(meta, "test");
  ASSERT_TRUE(back.hasValue()) << back.status().message();
  EXPECT_EQ(back->mean, 0.25);
  EXPECT_EQ(back->std, 0.5);
  EXPECT_EQ(back->height, 8);
  EXPECT_EQ(labelsFromMetadata(meta), (std::vector<std::string>{"a", "b\"quoted\"", "c"}));
  auto broken = meta;
  broken["loom.preprocess.input_size"] = "1x8";
  EXPECT_FALSE(preprocessingFromMetadata(broken, "test").hasValue());
}

}  // namespace
}  // namespace loom
