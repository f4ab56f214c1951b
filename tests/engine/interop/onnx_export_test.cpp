// ONNX export: pre-flight lists every node that cannot be written (and nothing is built),
// opsets other than 13/17 are refused, metadata reads back, Dropout is left out.
#include "engine/interop/onnx_export.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "engine/graph/model.h"
#include "engine/interop/onnx_metadata.h"

namespace loom {
namespace {

Model smallModel(bool withBadNodes) {
  Model m;
  m.name = "small";
  auto add = [&](std::string name, std::string op, std::vector<std::string> in, AttrMap a = {}) {
    Node n;
    n.name = std::move(name);
    n.op = std::move(op);
    n.inputs = std::move(in);
    n.attrs = std::move(a);
    EXPECT_TRUE(m.graph.addNode(n));
  };
  add("image", "Input", {}, {{"shape", std::vector<std::int64_t>{1, 8, 8}}});
  add("conv", "Conv2D", {"image"},
      {{"filters", std::int64_t{2}},
       {"kernel_size", std::vector<std::int64_t>{3, 3}},
       {"padding", std::string("same")}});
  std::string last = "conv";
  if (withBadNodes) {
    add("act", "GELU", {"conv"});
    add("pool", "AvgPool2D", {"act"},
        {{"pool_size", std::vector<std::int64_t>{3, 3}},
         {"stride", std::vector<std::int64_t>{1, 1}},
         {"padding", std::string("same")},
         {"count_include_pad", true}});
    last = "pool";
  }
  add("drop", "Dropout", {last});
  add("flat", "Flatten", {"drop"});
  add("fc", "Dense", {"flat"}, {{"units", std::int64_t{3}}});
  applyDefaults(m);
  EXPECT_TRUE(materializeParameters(m));
  return m;
}

TEST(OnnxExport, PreflightListsEveryUnexportableNodeWithItsReason) {
  const Model m = smallModel(true);
  const auto problems = preflightOnnx(m, OnnxExportOptions{});
  ASSERT_EQ(problems.size(), 2u) << describeProblems(problems);
  EXPECT_EQ(problems[0].node, "act");
  EXPECT_EQ(problems[0].op, "GELU");
  EXPECT_NE(problems[0].reason.find("opset 20"), std::string::npos) << problems[0].reason;
  EXPECT_EQ(problems[1].node, "pool");
  EXPECT_NE(problems[1].reason.find("count_include_pad"), std::string::npos);
  auto r = exportOnnx(m, OnnxExportOptions{});
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::Unsupported);
  EXPECT_NE(r.status().message().find("node \"act\" (GELU)"), std::string::npos);
  EXPECT_NE(r.status().message().find("node \"pool\" (AvgPool2D)"), std::string::npos);
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
