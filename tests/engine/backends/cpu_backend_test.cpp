// The oneDNN CPU backend against the ops' reference kernels (OpRegistry::global()).
//
// Every case builds the op's shape inference, asks makeCpuBackend() for a kernel, runs
// forward and backward on random data through both the oneDNN kernel and the reference
// kernel, and compares dst, diffSrc, diffParams and every param (BatchNorm's running
// statistics) within 1e-4 relative. Rank-4 tensors are fed either in the layout the kernel
// declares (NHWC, the executor's normal path) or Plain (the kernel's staging path).
#include <gtest/gtest.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/rng.h"
#include "engine/ops/op.h"

using namespace loom;

namespace {

constexpr double kTolerance = 1e-4;

Backend& cpuBackend() {
  static std::unique_ptr<Backend> backend = makeCpuBackend();
  return *backend;
}

Tensor randomTensor(const Dims& dims, std::uint64_t key, float lo = -1, float hi = 1) {
  Tensor t(dims);
  Philox rng(key);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = lo + (hi - lo) * rng.uniform();
  return t;
}

struct Case {
  std::string op;
  AttrMap attrs;
  std::vector<Dims> inputs;
  bool plainInputs = false;  ///< feed rank-4 tensors Plain instead of the declared layout
  bool training = true;      ///< args.training (BatchNorm, Dropout)

  std::string label() const {
    std::string s = op + " inputs";
    for (const Dims& d : inputs) s.append(" ").append(dimsToString(d));
    for (const auto& [k, v] : attrs) s.append(" ").append(k).append("=").append(attrToString(v));
    s += plainInputs ? " (plain)" : " (declared layouts)";
    return s + (training ? "" : " inference");
  }
};

/// Everything a kernel request points into, kept alive together.
struct Prepared {
  const Op* op = nullptr;
  Attrs attrs;
  ShapeInfo shape;
  KernelRequest request;
};

::testing::AssertionResult prepare(const Case& c, Prepared& p) {
  p.op = OpRegistry::global().find(c.op);
  if (!p.op) return ::testing::AssertionFailure() << "op " << c.op << " is not registered";
  auto attrs = resolveAttrs(p.op->schema(), c.attrs);
  if (!attrs) return ::testing::AssertionFailure() << attrs.status().toString();
  p.attrs = *attrs;
  auto shape = p.op->inferShapes(c.inputs, p.attrs);
  if (!shape) return ::testing::AssertionFailure() << shape.status().toString();
  p.shape = *shape;
  p.request.op = p.op;
  p.request.attrs = &p.attrs;
  p.request.inputDims = c.inputs;
  p.request.shape = &p.shape;
  p.request.training = true;
  p.request.needsDiffSrc.assign(c.inputs.size(), true);
  return ::testing::AssertionSuccess();
}

/// Inputs, params and the output gradient of one step, all Plain.
struct StepData {
  std::vector<Tensor> src, params;
  Tensor diffDst;
  std::uint64_t rngKey = 0;
};

StepData randomStep(const Prepared& p, std::uint64_t seed) {
  StepData d;
  std::uint64_t key = seed * 1000;
  for (const Dims& dims : p.request.inputDims) d.src.push_back(randomTensor(dims, ++key));
  for (const ParamInfo& info : p.shape.params) {
    // Variances must be positive; everything else is symmetric around 0.
    if (info.name == "running_var")
      d.params.push_back(randomTensor(info.dims, ++key, 0.5f, 1.5f));
    else
      d.params.push_back(randomTensor(info.dims, ++key));
  }
  d.diffDst = randomTensor(p.shape.output, ++key);
  d.rngKey = rngKey(seed, {static_cast<std::uint64_t>(RngPurpose::Dropout)});
  return d;
}

/// What one forward + backward produced, in Plain layout.
struct StepResult {
  Tensor dst;
  std::vector<Tensor> diffSrc, diffParams, params;
};

/// Runs forward and backward through `kernel`, or through the op's reference kernel when
/// `kernel` is null. `plain` feeds rank-4 tensors Plain whatever the kernel declares.
::testing::AssertionResult runStep(const Prepared& p, Kernel* kernel, const StepData& data,
                                   bool plain, bool training, StepResult& out) {
  auto layoutFor = [&](const Dims& dims, Layout declared) {
    return dims.size() == 4 && kernel && !plain ? declared : Layout::Plain;
  };
  std::vector<Tensor> src, diffSrc, params, diffParams;
  for (size_t i = 0; i < data.src.size(); ++i) {
    const Layout l = layoutFor(data.src[i].dims(),
                               kernel ? kernel->inputLayout(static_cast<int>(i)) : Layout::Plain);
    src.push_back(data.src[i].toLayout(l));
    diffSrc.emplace_back(data.src[i].dims(), DType::F32, l);
  }
  const Layout outLayout =
      layoutFor(p.shape.output, kernel ? kernel->outputLayout() : Layout::Plain);
  Tensor dst(p.shape.output, DType::F32, outLayout);
  Tensor diffDst = data.diffDst.toLayout(outLayout);
  for (size_t i = 0; i < data.params.size(); ++i) {
    params.push_back(data.params[i].clone());
    diffParams.push_back(p.shape.params[i].trainable ? Tensor(data.params[i].dims()) : Tensor());
  }
  std::vector<Tensor> saved;
  KernelArgs args;
  args.attrs = &p.attrs;
  args.training = training;
  args.rngKey = data.rngKey;
  for (Tensor& t : src) args.src.push_back(&t);
  args.dst = &dst;
  for (Tensor& t : params) args.params.push_back(&t);
  args.saved = &saved;
  Status st = kernel ? kernel->forward(args) : p.op->forward(args);
  if (!st) return ::testing::AssertionFailure() << "forward: " << st.toString();
  args.diffDst = &diffDst;
  for (Tensor& t : diffSrc) args.diffSrc.push_back(&t);
  for (Tensor& t : diffParams) args.diffParams.push_back(t.empty() ? nullptr : &t);
  st = kernel ? kernel->backward(args) : p.op->backward(args);
  if (!st) return ::testing::AssertionFailure() << "backward: " << st.toString();
  out.dst = dst.toLayout(Layout::Plain);
  out.diffSrc.clear();
  for (Tensor& t : diffSrc) out.diffSrc.push_back(t.toLayout(Layout::Plain));
  out.diffParams = diffParams;
  out.params = params;
  return ::testing::AssertionSuccess();
}

void expectClose(const Tensor& got, const Tensor& want, const std::string& what,
                 double tol = kTolerance) {
  ASSERT_EQ(got.dims(), want.dims()) << what;
  EXPECT_LE(maxRelativeDifference(got, want), tol) << what;
}

void expectSameResults(const StepResult& got, const StepResult& want, const std::string& label,
                       double tol = kTolerance) {
  expectClose(got.dst, want.dst, label + ": dst", tol);
  for (size_t i = 0; i < want.diffSrc.size(); ++i)
    expectClose(got.diffSrc[i], want.diffSrc[i], label + ": diffSrc " + std::to_string(i), tol);
  for (size_t i = 0; i < want.params.size(); ++i) {
    expectClose(got.params[i], want.params[i], label + ": param " + std::to_string(i), tol);
    if (!want.diffParams[i].empty())
      expectClose(got.diffParams[i], want.diffParams[i], label + ": diffParam " + std::to_string(i),
                  tol);
  }
}

/// One case: the oneDNN kernel must accept it and agree with the reference.
void checkAgainstReference(const Case& c, std::uint64_t seed = 1) {
  SCOPED_TRACE(c.label());
  Prepared p;
  ASSERT_TRUE(prepare(c, p));
  auto kernel = cpuBackend().createKernel(p.request);
  ASSERT_TRUE(kernel.hasValue()) << "declined: " << kernel.status().toString();
  const StepData data = randomStep(p, seed);
  StepResult want, got;
  ASSERT_TRUE(runStep(p, nullptr, data, true, c.training, want));
  ASSERT_TRUE(runStep(p, kernel->get(), data, c.plainInputs, c.training, got));
  expectSameResults(got, want, c.label() + " [" + (*kernel)->implName() + "]");
}

/// Runs `c` both with declared layouts and with Plain rank-4 inputs.
void checkBothLayouts(Case c, std::uint64_t seed = 1) {
  checkAgainstReference(c, seed);
  bool rank4 = false;
  for (const Dims& d : c.inputs) rank4 = rank4 || d.size() == 4;
  if (!rank4) return;
  c.plainInputs = true;
  checkAgainstReference(c, seed + 7);
}

using Ints = std::vector<std::int64_t>;

// ---- Dense ----

TEST(CpuBackend, DenseMatchesReference) {
  std::mt19937 gen(11);
  for (int i = 0; i < 8; ++i) {
    const std::int64_t n = 1 + gen() % 9, in = 1 + gen() % 70, units = 1 + gen() % 40;
    checkAgainstReference({"Dense", {{"units", units}, {"use_bias", bool(i % 3)}}, {{n, in}}}, i);
  }
  checkAgainstReference({"Dense", {{"units", std::int64_t{10}}}, {{32, 1024}}});
}

// ---- Conv2D ----

TEST(CpuBackend, Conv2DRandomGeometries) {
  std::mt19937 gen(5);
  const char* modes[] = {"valid", "same", "explicit"};
  int done = 0;
  for (int attempt = 0; done < 40 && attempt < 400; ++attempt) {
    const std::int64_t groupsPick = gen() % 3;
    const std::int64_t cg = 1 + gen() % 4, kg = 1 + gen() % 4;
    const std::int64_t groups = groupsPick == 0 ? 1 : (groupsPick == 1 ? 2 : 3);
    const std::int64_t c = cg * groups;
    const std::int64_t filters = groupsPick == 2 ? c : kg * groups;  // includes depthwise
    const Ints kernel{std::int64_t(1 + gen() % 5), std::int64_t(1 + gen() % 5)};
    const Ints stride{std::int64_t(1 + gen() % 3), std::int64_t(1 + gen() % 3)};
    const Ints dilation{std::int64_t(1 + gen() % 2), std::int64_t(1 + gen() % 2)};
    const Ints pads{std::int64_t(gen() % 4), std::int64_t(gen() % 3), std::int64_t(gen() % 3),
                    std::int64_t(gen() % 4)};
    const Dims input{std::int64_t(1 + gen() % 3), c, std::int64_t(4 + gen() % 9),
                     std::int64_t(4 + gen() % 9)};
    Case cs{"Conv2D",
            {{"filters", filters},
             {"kernel_size", kernel},
             {"stride", stride},
             {"dilation", dilation},
             {"padding", std::string(modes[gen() % 3])},
             {"pads", pads},
             {"groups", groups},
             {"use_bias", bool(gen() % 4 != 0)}},
            {input}};
    Prepared p;
    if (!prepare(cs, p)) continue;  // the window does not fit: draw again
    cs.plainInputs = done % 4 == 3;
    checkAgainstReference(cs, done);
    ++done;
  }
  EXPECT_EQ(done, 40);
}

TEST(CpuBackend, Conv2DBenchmarkLayerShapes) {
  // The 2-conv CNN of BENCHMARKS.md at batch 2: 1x28x28 -> 32 (5x5 same), 32x14x14 -> 64.
  checkBothLayouts({"Conv2D",
                    {{"filters", std::int64_t{32}},
                     {"kernel_size", Ints{5, 5}},
                     {"padding", std::string("same")}},
                    {{2, 1, 28, 28}}});
  checkBothLayouts({"Conv2D",
                    {{"filters", std::int64_t{64}},
                     {"kernel_size", Ints{5, 5}},
                     {"padding", std::string("same")}},
                    {{2, 32, 14, 14}}});
  // ResNet-small: 3x3 stride 2 and a 1x1 projection without bias.
  checkBothLayouts({"Conv2D",
                    {{"filters", std::int64_t{32}},
                     {"kernel_size", Ints{3, 3}},
                     {"stride", Ints{2, 2}},
                     {"padding", std::string("same")}},
                    {{2, 16, 28, 28}}});
  checkBothLayouts({"Conv2D",
                    {{"filters", std::int64_t{32}},
                     {"kernel_size", Ints{1, 1}},
                     {"stride", Ints{2, 2}},
                     {"use_bias", false}},
                    {{2, 16, 28, 28}}});
}

TEST(CpuBackend, Conv2DPicksOptimisedImplementations) {
  if (dnnl::get_effective_cpu_isa() < dnnl::cpu_isa::avx2) GTEST_SKIP() << "no AVX2";
  Case c{"Conv2D",
         {{"filters", std::int64_t{64}},
          {"kernel_size", Ints{5, 5}},
          {"padding", std::string("same")}},
         {{8, 32, 14, 14}}};
  Prepared p;
  ASSERT_TRUE(prepare(c, p));
  auto kernel = cpuBackend().createKernel(p.request);
  ASSERT_TRUE(kernel.hasValue()) << kernel.status().toString();
  const std::string impl = (*kernel)->implName();
  EXPECT_EQ(impl.find("ref"), std::string::npos) << impl;
  EXPECT_EQ(impl.find("gemm"), std::string::npos) << impl;
  EXPECT_EQ((*kernel)->inputLayout(0), Layout::NHWC);
  EXPECT_EQ((*kernel)->outputLayout(), Layout::NHWC);
}

// ---- pooling ----

TEST(CpuBackend, PoolingRandomGeometries) {
  std::mt19937 gen(9);
  const char* modes[] = {"valid", "same", "explicit"};
  int done = 0;
  for (int attempt = 0; done < 36 && attempt < 400; ++attempt) {
    const Ints pool{std::int64_t(1 + gen() % 4), std::int64_t(1 + gen() % 4)};
    const Ints stride{std::int64_t(gen() % 4), std::int64_t(gen() % 4)};  // 0 = pool size
    const Ints pads{std::int64_t(gen() % pool[0]), std::int64_t(gen() % pool[1]),
                    std::int64_t(gen() % pool[0]), std::int64_t(gen() % pool[1])};
    const Dims input{std::int64_t(1 + gen() % 3), std::int64_t(1 + gen() % 6),
                     std::int64_t(3 + gen() % 10), std::int64_t(3 + gen() % 10)};
    const bool avg = done % 2 == 1;
    AttrMap attrs{{"pool_size", pool},
                  {"stride", stride},
                  {"padding", std::string(modes[gen() % 3])},
                  {"pads", pads}};
    if (avg) attrs["count_include_pad"] = bool(gen() % 2);
    Case cs{avg ? "AvgPool2D" : "MaxPool2D", attrs, {input}};
    Prepared p;
    if (!prepare(cs, p)) continue;
    cs.plainInputs = done % 3 == 2;
    checkAgainstReference(cs, done);
    ++done;
  }
  EXPECT_EQ(done, 36);
}

TEST(CpuBackend, GlobalAvgPool) {
  checkBothLayouts({"GlobalAvgPool", {}, {{3, 16, 7, 7}}});
  checkBothLayouts({"GlobalAvgPool", {}, {{2, 5, 3, 4}}});
}

// ---- BatchNorm ----

TEST(CpuBackend, BatchNormTrainingAndInference) {
  for (bool training : {true, false}) {
    Case c4{"BatchNorm", {{"momentum", 0.3}, {"epsilon", 1e-3}}, {{4, 6, 5, 3}}};
    c4.training = training;
    checkBothLayouts(c4, 3);
    Case c2{"BatchNorm", {}, {{8, 10}}};
    c2.training = training;
    checkAgainstReference(c2, 4);
  }
}

TEST(CpuBackend, BatchNormRunningStatisticsOverSteps) {
  Case c{"BatchNorm", {{"momentum", 0.2}}, {{3, 4, 4, 4}}};
  Prepared p;
  ASSERT_TRUE(prepare(c, p));
  auto kernel = cpuBackend().createKernel(p.request);
  ASSERT_TRUE(kernel.hasValue()) << kernel.status().toString();
  StepData ref = randomStep(p, 1), dnn = ref;
  for (std::uint64_t step = 2; step < 6; ++step) {
    StepData next = randomStep(p, step);
    StepResult want, got;
    ASSERT_TRUE(runStep(p, nullptr, ref, true, true, want));
    ASSERT_TRUE(runStep(p, kernel->get(), dnn, false, true, got));
    expectSameResults(got, want, "step " + std::to_string(step));
    // Carry the running statistics into the next step with fresh data.
    ref.src = next.src;
    dnn.src = next.src;
    ref.params = want.params;
    dnn.params = got.params;
  }
}

TEST(CpuBackend, BatchNormWithOneValuePerChannelFailsLikeReference) {
  Case c{"BatchNorm", {}, {{1, 3}}};
  Prepared p;
  ASSERT_TRUE(prepare(c, p));
  auto kernel = cpuBackend().createKernel(p.request);
  ASSERT_TRUE(kernel.hasValue()) << kernel.status().toString();
  StepResult out;
  auto run = runStep(p, kernel->get(), randomStep(p, 1), false, true, out);
  EXPECT_FALSE(run);
  EXPECT_NE(std::string(run.message()).find("more than one value per channel"), std::string::npos)
      << run.message();
}

// ---- element-wise ----

TEST(CpuBackend, ActivationsMatchReference) {
  const std::vector<std::pair<std::string, AttrMap>> ops = {
      {"ReLU", {}}, {"LeakyReLU", {{"alpha", 0.1}}}, {"LeakyReLU", {{"alpha", 0.0}}},
      {"ELU", {}},  {"ELU", {{"alpha", 0.5}}},       {"Sigmoid", {}},
      {"Tanh", {}}};
  for (const auto& [op, attrs] : ops) {
    checkBothLayouts({op, attrs, {{2, 3, 5, 4}}});
    checkAgainstReference({op, attrs, {{7, 13}}});
  }
}

TEST(CpuBackend, SoftmaxAnyAxis) {
  checkAgainstReference({"Softmax", {}, {{16, 10}}});
  checkAgainstReference({"Softmax", {{"axis", std::int64_t{-1}}}, {{3, 4, 7}}});
  checkAgainstReference({"Softmax", {{"axis", std::int64_t{0}}}, {{5, 6}}});
  checkBothLayouts({"Softmax", {{"axis", std::int64_t{1}}}, {{2, 5, 3, 3}}});
  checkBothLayouts({"Softmax", {{"axis", std::int64_t{-1}}}, {{2, 5, 3, 4}}});
}

TEST(CpuBackend, Dropout) {
  for (bool training : {true, false}) {
    Case c4{"Dropout", {{"rate", 0.3}}, {{2, 3, 4, 5}}};
    c4.training = training;
    checkBothLayouts(c4, 2);
    Case c2{"Dropout", {{"rate", 0.5}}, {{6, 20}}};
    c2.training = training;
    checkAgainstReference(c2, 3);
  }
}

// ---- merge and shape ----

TEST(CpuBackend, AddAndConcat) {
  checkBothLayouts({"Add", {}, {{2, 8, 5, 5}, {2, 8, 5, 5}}});
  checkBothLayouts({"Add", {}, {{2, 3, 4, 4}, {2, 3, 4, 4}, {2, 3, 4, 4}}});
  checkAgainstReference({"Add", {}, {{4, 9}, {4, 9}}});
  checkBothLayouts({"Concat", {}, {{2, 3, 4, 5}, {2, 5, 4, 5}, {2, 1, 4, 5}}});
  checkBothLayouts({"Concat", {{"axis", std::int64_t{2}}}, {{2, 3, 2, 5}, {2, 3, 4, 5}}});
  checkBothLayouts({"Concat", {{"axis", std::int64_t{-1}}}, {{2, 3, 4, 2}, {2, 3, 4, 3}}});
  checkAgainstReference({"Concat", {}, {{3, 4}, {3, 6}}});
}

TEST(CpuBackend, FlattenTurnsNhwcIntoNchwOrder) {
  checkBothLayouts({"Flatten", {}, {{3, 4, 5, 6}}});
  checkBothLayouts({"Flatten", {}, {{2, 1, 5, 5}}});
}

// ---- declines ----

TEST(CpuBackend, DeclinesWithReasons) {
  struct Declined {
    Case c;
    std::string reasonContains;
  };
  const std::vector<Declined> cases = {
      {{"Reshape", {{"shape", Ints{2, -1}}}, {{2, 3, 4}}}, "no oneDNN kernel for op Reshape"},
      {{"Flatten", {}, {{2, 3, 4}}}, "not [N, C, H, W]"},
  };
  for (const auto& d : cases) {
    SCOPED_TRACE(d.c.label());
    Prepared p;
    ASSERT_TRUE(prepare(d.c, p));
    auto kernel = cpuBackend().createKernel(p.request);
    ASSERT_FALSE(kernel.hasValue());
    EXPECT_EQ(kernel.status().code(), ErrorCode::Unsupported);
    EXPECT_NE(kernel.status().message().find(d.reasonContains), std::string::npos)
        << kernel.status().message();
  }
}

// ---- primitive reuse ----

TEST(CpuBackend, ReusedKernelMatchesFreshKernel) {
  const std::vector<Case> cases = {
      {"Conv2D",
       {{"filters", std::int64_t{8}},
        {"kernel_size", Ints{3, 3}},
        {"padding", std::string("same")}},
       {{2, 4, 9, 9}}},
      {"Dense", {{"units", std::int64_t{7}}}, {{5, 12}}},
      {"MaxPool2D", {{"pool_size", Ints{2, 2}}}, {{2, 3, 8, 8}}},
      {"BatchNorm", {}, {{4, 5, 3, 3}}},
      {"Softmax", {}, {{4, 6}}},
      {"Concat", {}, {{2, 3, 4, 4}, {2, 2, 4, 4}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label());
    Prepared p;
    ASSERT_TRUE(prepare(c, p));
    auto reused = cpuBackend().createKernel(p.request);
    ASSERT_TRUE(reused.hasValue()) << reused.status().toString();
    StepResult last;
    StepData data;
    for (std::uint64_t step = 1; step <= 3; ++step) {
      data = randomStep(p, 100 + step);
      ASSERT_TRUE(runStep(p, reused->get(), data, false, true, last));
    }
    auto fresh = cpuBackend().createKernel(p.request);
    ASSERT_TRUE(fresh.hasValue());
    StepResult once;
    ASSERT_TRUE(runStep(p, fresh->get(), data, false, true, once));
    expectSameResults(last, once, "reused vs fresh", 0.0);
  }
}

}  // namespace
