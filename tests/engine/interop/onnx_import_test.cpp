// ONNX import: round trips through Loom's own export, the two foreign files in
// ../shared/testdata/foreign (reference outputs written by other tools), hostile files
// (issue 8 acceptance 3, 4 and 5), and GELU read back from its ONNX formula (one GELU node, or
// a refusal naming the ops). Reference numbers never come from Loom itself.
#include "engine/interop/onnx_import.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/core/file_util.h"
#include "engine/graph/model.h"
#include "engine/interop/loom_inference.h"
#include "engine/interop/onnx_export.h"
#include "engine/interop/parity.h"
#include "tests/engine/interop/small_model.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

// Found once, by tests/CMakeLists.txt; empty here only if that directory is absent.
std::string foreignDir() {
  return fs::is_directory(LOOM_FOREIGN_TESTDATA) ? std::string(LOOM_FOREIGN_TESTDATA) : "";
}

fs::path scratch(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("loom_onnx_import_" + std::to_string(getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void writeBytes(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

Tensor readTensorPb(const std::string& path) {
  auto bytes = readFile(path);
  EXPECT_TRUE(bytes.hasValue()) << path;
  onnx::TensorProto t;
  EXPECT_TRUE(t.ParseFromString(*bytes)) << path;
  Dims dims(t.dims().begin(), t.dims().end());
  Tensor out(dims);
  if (t.has_raw_data())
    std::memcpy(out.raw(), t.raw_data().data(), t.raw_data().size());
  else
    std::memcpy(out.raw(), t.float_data().data(), out.bytes());
  return out;
}

double maxRelDiff(const Tensor& a, const Tensor& b, double floor = 1e-30) {
  double worst = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double d = std::fabs(double(a.f32()[i]) - double(b.f32()[i]));
    worst = std::max(worst, d / std::max(floor, std::fabs(double(b.f32()[i]))));
  }
  return worst;
}

// ---- Loom -> ONNX -> Loom ----

class RoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(RoundTrip, IdenticalOutputsAndEquivalentGraph) {
  auto loaded =
      loadModel(std::string(LOOM_SOURCE_DIR) + "/resources/examples/" + GetParam() + ".loom");
  ASSERT_TRUE(loaded.hasValue()) << loaded.status().message();
  Model model = *loaded;
  applyDefaults(model);
  ASSERT_TRUE(materializeParameters(model));
  OnnxExportOptions options;
  auto exported = exportOnnx(model, options);
  ASSERT_TRUE(exported.hasValue()) << exported.status().message();
  const fs::path dir = scratch(std::string("rt_") + GetParam());
  writeBytes(dir / "m.onnx", exported->bytes);
  auto imported = importOnnx((dir / "m.onnx").string());
  ASSERT_TRUE(imported.hasValue()) << imported.status().message();

  // Equivalent graph: every node but Dropout (left out of the file) comes back with its
  // name, op and inputs (read through the Dropouts it skipped).
  std::map<std::string, std::string> through;  // Dropout -> its input
  for (const Node& n : model.graph.nodes())
    if (n.op == "Dropout") through[n.name] = n.inputs[0];
  auto resolve = [&](std::string s) {
    while (through.count(s)) s = through[s];
    return s;
  };
  size_t kept = 0;
  for (const Node& n : model.graph.nodes()) {
    if (n.op == "Dropout") continue;
    ++kept;
    const Node* m = imported->model.graph.find(n.name);
    ASSERT_NE(m, nullptr) << "node " << n.name << " lost";
    EXPECT_EQ(m->op, n.op) << n.name;
    std::vector<std::string> want;
    for (const auto& i : n.inputs) want.push_back(resolve(i));
    EXPECT_EQ(m->inputs, want) << n.name;
  }
  EXPECT_EQ(imported->model.graph.nodes().size(), kept);
  for (const auto& [name, value] : model.parameters) {
    auto it = imported->model.parameters.find(name);
    ASSERT_NE(it, imported->model.parameters.end()) << name;
    ASSERT_EQ(it->second.dims(), value.dims()) << name;
    EXPECT_EQ(std::memcmp(it->second.raw(), value.raw(), value.bytes()), 0) << name;
  }

  // Identical outputs on real test images.
  auto images = preprocessedTestImages(model, 64);
  ASSERT_TRUE(images.hasValue()) << images.status().message();
  auto a = LoomInference::create(model);
  auto b = LoomInference::create(imported->model);
  ASSERT_TRUE(a.hasValue() && b.hasValue());
  auto ya = (*a)->run(*images);
  auto yb = (*b)->run(*images);
  ASSERT_TRUE(ya.hasValue() && yb.hasValue());
  ASSERT_EQ(ya->dims(), yb->dims());
  EXPECT_EQ(std::memcmp(ya->raw(), yb->raw(), ya->bytes()), 0) << "outputs differ";
}

INSTANTIATE_TEST_SUITE_P(Examples, RoundTrip,
                         ::testing::Values("mlp", "cnn", "cnn_bn", "resnet_small"));

// ---- Foreign files (reference outputs from the tools that wrote them) ----

TEST(ForeignOnnx, PyTorchMnistReproducesPublishedOutput) {
  const std::string dir = foreignDir();
  ASSERT_FALSE(dir.empty()) << "../shared/testdata/foreign is absent (a user's clone has no "
                               "../shared); this test needs it";
  const std::string base = dir + "/onnx-pytorch1.12-mnist-onnx-mlir";
  auto imported = importOnnx(base + "/mnist.onnx");
  ASSERT_TRUE(imported.hasValue()) << imported.status().message();
  auto ref = nlohmann::json::parse(*readFile(base + "/expected_output.json"));
  const Tensor x = readTensorPb(base + "/test_data_set_0/input_0.pb");
  auto run = LoomInference::create(imported->model);
  ASSERT_TRUE(run.hasValue()) << run.status().message();
  auto y = (*run)->run(x);
  ASSERT_TRUE(y.hasValue()) << y.status().message();
  ASSERT_EQ(y->numel(), 10);
  for (int i = 0; i < 10; ++i) {
    const double want = ref["values_as_printed"][i].get<double>();
    // Printed to ~8 digits: rtol 1e-5 or atol 1e-6, as the README says.
    EXPECT_NEAR(y->f32()[i], want, std::max(1e-6, 1e-5 * std::fabs(want))) << "class " << i;
  }
}

TEST(ForeignOnnx, CntkMnist8ReproducesItsThreeReferencePairs) {
  const std::string dir = foreignDir();
  ASSERT_FALSE(dir.empty()) << "../shared/testdata/foreign is absent; this test needs it";
  const std::string base = dir + "/onnx-cntk2.5.1-mnist-8";
  auto imported = importOnnx(base + "/model.onnx");
  ASSERT_TRUE(imported.hasValue()) << imported.status().message();
  auto run = LoomInference::create(imported->model);
  ASSERT_TRUE(run.hasValue()) << run.status().message();
  for (int k = 0; k < 3; ++k) {
    const std::string set = base + "/test_data_set_" + std::to_string(k);
    const Tensor x = readTensorPb(set + "/input_0.pb");
    const Tensor want = readTensorPb(set + "/output_0.pb");
    auto y = (*run)->run(x);
    ASSERT_TRUE(y.hasValue()) << y.status().message();
    ASSERT_EQ(y->numel(), want.numel());
    // Logits of magnitude ~5000: 1e-4 relative to max(1, |want|).
    EXPECT_LE(maxRelDiff(*y, want, 1.0), 1e-4) << set;
  }
}

// ---- Hostile files ----

// A valid one-node model: y = Relu(x), x [N, 4], plus an initializer `w` to play with.
onnx::ModelProto tinyModel() {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("tiny");
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  tt->mutable_shape()->add_dim()->set_dim_param("N");
  tt->mutable_shape()->add_dim()->set_dim_value(4);
  auto* out = g->add_output();
  out->set_name("y");
  *out->mutable_type() = in->type();
  auto* n = g->add_node();
  n->set_name("relu");
  n->set_op_type("Relu");
  n->add_input("x");
  n->add_output("y");
  return m;
}

onnx::TensorProto* addFloatInit(onnx::ModelProto& m, const std::string& name, Dims dims) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  return t;
}

onnx::TensorProto* externalInit(onnx::ModelProto& m, const std::string& location) {
  auto* t = addFloatInit(m, "w", {4});
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = t->add_external_data();
  e->set_key("location");
  e->set_value(location);
  return t;
}

Status importProto(const onnx::ModelProto& m, const fs::path& dir) {
  writeBytes(dir / "m.onnx", m.SerializeAsString());
  auto r = importOnnx((dir / "m.onnx").string());
  return r.status();
}

void expectRefused(const Status& st, const std::string& fragment) {
  ASSERT_FALSE(st.isOk()) << "was accepted; expected a refusal mentioning " << fragment;
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

TEST(HostileOnnx, TinyModelImports) {  // the baseline the others break
  const fs::path dir = scratch("tiny");
  EXPECT_TRUE(importProto(tinyModel(), dir)) << importProto(tinyModel(), dir).message();
}

TEST(HostileOnnx, ExternalDataEscapingWithDotDot) {
  const fs::path dir = scratch("dotdot");
  writeBytes(dir.parent_path() / "x", std::string(16, '\0'));
  auto m = tinyModel();
  externalInit(m, "../x");
  expectRefused(importProto(m, dir), "contains \"..\"");
}

TEST(HostileOnnx, ExternalDataAbsolutePath) {
  const fs::path dir = scratch("absolute");
  auto m = tinyModel();
  externalInit(m, "/etc/passwd");
  expectRefused(importProto(m, dir), "absolute path");
}

TEST(HostileOnnx, ExternalDataSubDirDotDotDotDot) {
  const fs::path dir = scratch("subdotdot");
  fs::create_directories(dir / "sub");
  auto m = tinyModel();
  externalInit(m, "sub/../../x");
  expectRefused(importProto(m, dir), "contains \"..\"");
}

TEST(HostileOnnx, ExternalDataSymlinkPointingOut) {
  const fs::path dir = scratch("symlink");
  const fs::path outside = scratch("symlink_outside") / "secret.bin";
  writeBytes(outside, std::string(16, '\1'));
  fs::create_symlink(outside, dir / "w.bin");
  auto m = tinyModel();
  externalInit(m, "w.bin");
  expectRefused(importProto(m, dir), "outside the model's directory");
}

TEST(HostileOnnx, ExternalDataInsideTheDirectoryIsRead) {  // so the refusals above are specific
  const fs::path dir = scratch("external_ok");
  const float w[4] = {1, 2, 3, 4};
  writeBytes(dir / "w.bin", std::string(reinterpret_cast<const char*>(w), sizeof w));
  auto m = tinyModel();
  externalInit(m, "w.bin");
  EXPECT_TRUE(importProto(m, dir)) << importProto(m, dir).message();
}

TEST(HostileOnnx, DimsWhoseProductOverflows) {
  const fs::path dir = scratch("overflow");
  auto m = tinyModel();
  addFloatInit(m, "w", {std::int64_t{1} << 40, std::int64_t{1} << 40});
  expectRefused(importProto(m, dir), "overflows");
}

TEST(HostileOnnx, TruncatedFile) {
  const fs::path dir = scratch("truncated");
  auto m = tinyModel();
  auto* w = addFloatInit(m, "w", {4});
  w->set_raw_data(std::string(16, '\0'));
  const std::string bytes = m.SerializeAsString();
  writeBytes(dir / "m.onnx", bytes.substr(0, bytes.size() - 7));
  auto r = importOnnx((dir / "m.onnx").string());
  expectRefused(r.status(), "not a valid ONNX file");
}

TEST(HostileOnnx, DeepNesting) {
  const fs::path dir = scratch("nesting");
  auto m = tinyModel();
  onnx::GraphProto* g = m.mutable_graph();
  for (int depth = 0; depth < 200; ++depth) {  // If -> then_branch -> If -> ...
    auto* n = g->add_node();
    n->set_op_type("If");
    auto* a = n->add_attribute();
    a->set_name("then_branch");
    a->set_type(onnx::AttributeProto::GRAPH);
    g = a->mutable_g();
  }
  expectRefused(importProto(m, dir), "nested deeper than");
}

TEST(HostileOnnx, InitializerShorterThanItsDims) {
  const fs::path dir = scratch("short");
  auto m = tinyModel();
  addFloatInit(m, "w", {10})->set_raw_data(std::string(8, '\0'));
  expectRefused(importProto(m, dir), "raw_data has 8 bytes but dims [10] need 40");
  auto m2 = tinyModel();
  auto* t = addFloatInit(m2, "w", {10});
  t->add_float_data(1.0f);
  expectRefused(importProto(m2, dir), "holds 1 values but dims [10] need 10");
}

TEST(HostileOnnx, GraphWithACycle) {
  const fs::path dir = scratch("cycle");
  auto m = tinyModel();
  auto* g = m.mutable_graph();
  g->mutable_node(0)->set_input(0, "z");  // relu reads z ...
  auto* n = g->add_node();                // ... and z = Relu(y)
  n->set_name("back");
  n->set_op_type("Relu");
  n->add_input("y");
  n->add_output("z");
  expectRefused(importProto(m, dir), "cycle");
}

TEST(HostileOnnx, TensorClaimingTwoGiB) {
  const fs::path dir = scratch("twogib");
  auto m = tinyModel();
  addFloatInit(m, "w", {(std::int64_t{1} << 29) + 1});  // 2 GiB + 4 bytes, no data
  expectRefused(importProto(m, dir), "claim");
}

TEST(HostileOnnx, UnsupportedNodesAreListedByNameAndType) {
  const fs::path dir = scratch("unsupported");
  auto m = tinyModel();
  auto* g = m.mutable_graph();
  g->mutable_node(0)->set_output(0, "a");
  auto* n1 = g->add_node();
  n1->set_name("my_lrn");
  n1->set_op_type("LRN");
  n1->add_input("a");
  n1->add_output("b");
  auto* n2 = g->add_node();
  n2->set_name("my_erf");
  n2->set_op_type("Erf");
  n2->add_input("a");
  n2->add_output("c");
  auto* n3 = g->add_node();
  n3->set_name("sum");
  n3->set_op_type("Add");
  n3->add_input("b");
  n3->add_input("c");
  n3->add_output("y");
  const Status st = importProto(m, dir);
  expectRefused(st, "2 node(s) cannot be imported");
  expectRefused(st, "node \"my_lrn\" (LRN)");
  expectRefused(st, "node \"my_erf\" (Erf)");
}

// ---- GELU read back from its formula (onnx_import_patterns.h) ----

// image [1, 8, 8] -> conv -> act (GELU) -> flat -> fc (tests/engine/interop/small_model.h).
Model geluModel(const std::string& approximate) {
  return test::smallGeluModel({.gelu = approximate, .dropout = false});
}

onnx::ModelProto exportedProto(const Model& m, int opset = 13) {
  OnnxExportOptions o;
  o.opset = opset;
  auto e = exportOnnx(m, o);
  EXPECT_TRUE(e.hasValue()) << e.status().message();
  onnx::ModelProto proto;
  EXPECT_TRUE(e && proto.ParseFromString(e->bytes));
  return proto;
}

Expected<OnnxImportResult> importFromProto(const onnx::ModelProto& m, const std::string& name) {
  const fs::path dir = scratch(name);
  writeBytes(dir / "m.onnx", m.SerializeAsString());
  return importOnnx((dir / "m.onnx").string());
}

onnx::NodeProto* nodeNamed(onnx::ModelProto& m, const std::string& name) {
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.name() == name) return &n;
  ADD_FAILURE() << "no node " << name;
  return nullptr;
}

void setScalar(onnx::ModelProto& m, const std::string& initializer, float value) {
  for (auto& t : *m.mutable_graph()->mutable_initializer()) {
    if (t.name() != initializer) continue;
    t.clear_raw_data();
    t.clear_float_data();
    t.add_float_data(value);
    return;
  }
  ADD_FAILURE() << "no initializer " << initializer;
}

// The imported graph has exactly one GELU, named "act", reading "conv", with `approximate`;
// and it gives the original model's outputs within 1e-6 on a batch spread over GELU's curve.
void expectOneGeluWithSameOutputs(const Model& original, const Expected<OnnxImportResult>& r,
                                  const std::string& approximate) {
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  const Graph& g = r->model.graph;
  int gelus = 0;
  for (const Node& n : g.nodes())
    if (n.op == "GELU") ++gelus;
  EXPECT_EQ(gelus, 1);
  const Node* act = g.find("act");
  ASSERT_NE(act, nullptr) << "the GELU lost its name";
  EXPECT_EQ(act->op, "GELU");
  EXPECT_EQ(act->inputs, std::vector<std::string>{"conv"});
  ASSERT_TRUE(act->attrs.count("approximate"));
  EXPECT_EQ(std::get<std::string>(act->attrs.at("approximate")), approximate);
  EXPECT_EQ(g.nodes().size(), original.graph.nodes().size());

  Tensor x({16, 1, 8, 8});
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (std::int64_t i = 0; i < x.numel(); ++i) x.f32()[i] = normal(rng);
  auto a = LoomInference::create(original);
  auto b = LoomInference::create(r->model);
  ASSERT_TRUE(a.hasValue() && b.hasValue());
  auto ya = (*a)->run(x);
  auto yb = (*b)->run(x);
  ASSERT_TRUE(ya.hasValue() && yb.hasValue());
  ASSERT_EQ(ya->dims(), yb->dims());
  double worst = 0;
  for (std::int64_t i = 0; i < ya->numel(); ++i)
    worst = std::max(worst, std::fabs(double(ya->f32()[i]) - double(yb->f32()[i])));
  EXPECT_LE(worst, 1e-6) << approximate;
}

TEST(GeluImport, LoomsBothFormsComeBackAsOneGeluNode) {
  for (const char* form : {"none", "tanh"})
    for (int opset : {13, 17}) {
      SCOPED_TRACE(std::string(form) + " opset " + std::to_string(opset));
      const Model m = geluModel(form);
      auto r = importFromProto(exportedProto(m, opset), std::string("gelu_") + form);
      expectOneGeluWithSameOutputs(m, r, form);
      EXPECT_TRUE(r && !r->notes.empty());  // the fusion is reported
    }
}

// The other spellings torch.onnx and hand-written graphs use: x * (1/sqrt 2) instead of
// x / sqrt 2, 0.5 as a scalar Constant node, and (0.5 * x) * (1 + erf) instead of
// (x * (1 + erf)) * 0.5.
TEST(GeluImport, ErfFormVariantsImport) {
  const Model m = geluModel("none");
  onnx::ModelProto p = exportedProto(m);
  nodeNamed(p, "act/scaled")->set_op_type("Mul");
  setScalar(p, "act/sqrt2", 0.70710678f);
  auto* g = p.mutable_graph();
  for (int i = 0; i < g->initializer_size(); ++i)
    if (g->initializer(i).name() == "act/half") g->mutable_initializer()->DeleteSubrange(i, 1);
  onnx::NodeProto half;
  half.set_name("act/half_constant");
  half.set_op_type("Constant");
  half.add_output("act/half");
  auto* value = half.add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  value->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);  // dims []: a scalar
  value->mutable_t()->add_float_data(0.5f);
  *g->add_node() = half;
  // times_x = x * 0.5; act = times_x * one_plus
  onnx::NodeProto* timesX = nodeNamed(p, "act/times_x");
  timesX->set_input(1, "act/half");
  onnx::NodeProto* last = nodeNamed(p, "act");
  last->set_input(1, "act/one_plus");
  expectOneGeluWithSameOutputs(m, importFromProto(p, "gelu_variants"), "none");
}

// x^3 as Pow(x, 3) with an int64 exponent.
TEST(GeluImport, TanhFormWithPowImports) {
  const Model m = geluModel("tanh");
  onnx::ModelProto p = exportedProto(m);
  auto* g = p.mutable_graph();
  for (int i = 0; i < g->node_size(); ++i)
    if (g->node(i).name() == "act/square") g->mutable_node()->DeleteSubrange(i, 1);
  onnx::NodeProto* cube = nodeNamed(p, "act/cube");
  cube->set_op_type("Pow");
  cube->set_input(0, "conv");
  cube->set_input(1, "act/three");
  auto* three = g->add_initializer();
  three->set_name("act/three");
  three->set_data_type(onnx::TensorProto::INT64);
  three->add_int64_data(3);
  expectOneGeluWithSameOutputs(m, importFromProto(p, "gelu_pow"), "tanh");
}

// A wrong constant is no GELU: the file is refused, naming the Div the importer cannot read
// and saying why the Erf was not read as GELU.
TEST(GeluImport, WrongConstantIsRefusedNamingTheOps) {
  onnx::ModelProto p = exportedProto(geluModel("none"));
  setScalar(p, "act/half", 0.6f);
  auto r = importFromProto(p, "gelu_wrong_half");
  expectRefused(r.status(), "node \"act/scaled\" (Div)");
  expectRefused(r.status(), "node \"act/erf\" (Erf): not read as GELU");
  expectRefused(r.status(), "is 0.6, GELU's is 0.5");

  onnx::ModelProto t = exportedProto(geluModel("tanh"));
  setScalar(t, "act/c", 0.0447f);
  auto rt = importFromProto(t, "gelu_wrong_cubic");
  expectRefused(rt.status(), "node \"act/square\" (Mul)");
  expectRefused(rt.status(), "node \"act/tanh\" (Tanh): not read as GELU");
  expectRefused(rt.status(), "is 0.0447, GELU's is 0.044715");
}

// An intermediate value read by a second node cannot disappear into a GELU.
TEST(GeluImport, IntermediateWithAnotherReaderIsRefused) {
  onnx::ModelProto p = exportedProto(geluModel("none"));
  auto* extra = p.mutable_graph()->add_node();
  extra->set_name("peek");
  extra->set_op_type("Relu");
  extra->add_input("act/erf");
  extra->add_output("peeked");
  auto r = importFromProto(p, "gelu_shared");
  expectRefused(r.status(), "node \"act/scaled\" (Div)");
  expectRefused(r.status(), "\"act/erf\" has more than one reader");
}

}  // namespace
}  // namespace loom
