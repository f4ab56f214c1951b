#include "op_cases.h"

#include <algorithm>

namespace loom::test {

namespace {

using Ints = std::vector<std::int64_t>;
using Gen = std::mt19937_64;

std::int64_t pick(Gen& gen, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(gen);
}

double pickReal(Gen& gen, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(gen);
}

bool coin(Gen& gen) {
  return pick(gen, 0, 1) == 1;
}

bool small(CaseSize size) {
  return size == CaseSize::Small;
}

// Cycles through the modes so every mode appears among a few cases.
std::string paddingFor(int index) {
  static const char* modes[] = {"explicit", "same", "valid"};
  return modes[index % 3];
}

// A random shape of rank in [minRank, maxRank], batch first, dims in [1, maxDim].
Dims randomShape(Gen& gen, int minRank, int maxRank, std::int64_t maxDim) {
  Dims d;
  const auto rank = pick(gen, minRank, maxRank);
  for (std::int64_t i = 0; i < rank; ++i) d.push_back(pick(gen, 1, i == 0 ? 3 : maxDim));
  return d;
}

std::int64_t maxDim(CaseSize size) {
  return small(size) ? 4 : 6;
}

std::int64_t maxSpatial(CaseSize size) {
  return small(size) ? 6 : 10;
}

// A hand-picked case; casesFor() fills in the op name.
OpCase fixedCase(AttrMap attrs, std::vector<Dims> inputs, bool training = true) {
  OpCase c;
  c.attrs = std::move(attrs);
  c.inputs = std::move(inputs);
  c.training = training;
  return c;
}

// ---- draws, one per op ----

OpCase drawDense(Gen& gen, CaseSize size, int) {
  OpCase c;
  c.attrs["units"] = pick(gen, 1, small(size) ? 5 : 12);
  c.attrs["use_bias"] = coin(gen);
  c.inputs = {{pick(gen, 1, 4), pick(gen, 1, small(size) ? 8 : 24)}};
  return c;
}

OpCase drawConv2D(Gen& gen, CaseSize size, int index) {
  OpCase c;
  const std::int64_t groups = pick(gen, 1, 3);
  const std::int64_t perGroup = pick(gen, 1, small(size) ? 2 : 3);
  c.attrs["groups"] = groups;
  // Every fourth case is depthwise (filters = channels = groups).
  c.attrs["filters"] =
      index % 4 == 3 ? groups * perGroup : groups * pick(gen, 1, small(size) ? 2 : 3);
  c.attrs["kernel_size"] = Ints{pick(gen, 1, 4), pick(gen, 1, 4)};
  c.attrs["stride"] = Ints{pick(gen, 1, 3), pick(gen, 1, 3)};
  c.attrs["dilation"] = Ints{pick(gen, 1, 2), pick(gen, 1, 2)};
  c.attrs["padding"] = paddingFor(index);
  c.attrs["pads"] = Ints{pick(gen, 0, 3), pick(gen, 0, 3), pick(gen, 0, 3), pick(gen, 0, 3)};
  c.attrs["use_bias"] = coin(gen);
  c.inputs = {{pick(gen, 1, small(size) ? 2 : 3), groups * perGroup, pick(gen, 1, maxSpatial(size)),
               pick(gen, 1, maxSpatial(size))}};
  return c;
}

OpCase drawPool(Gen& gen, CaseSize size, int index, bool average) {
  OpCase c;
  const Ints k = {pick(gen, 1, 3), pick(gen, 1, 3)};
  c.attrs["pool_size"] = k;
  c.attrs["stride"] = Ints{pick(gen, 0, 3), pick(gen, 0, 3)};
  c.attrs["padding"] = paddingFor(index);
  c.attrs["pads"] = Ints{pick(gen, 0, k[0] - 1), pick(gen, 0, k[1] - 1), pick(gen, 0, k[0] - 1),
                         pick(gen, 0, k[1] - 1)};
  if (average) c.attrs["count_include_pad"] = coin(gen);
  c.inputs = {{pick(gen, 1, 2), pick(gen, 1, 3), pick(gen, 1, maxSpatial(size)),
               pick(gen, 1, maxSpatial(size))}};
  return c;
}

OpCase drawMaxPool2D(Gen& gen, CaseSize size, int index) {
  return drawPool(gen, size, index, false);
}

OpCase drawAvgPool2D(Gen& gen, CaseSize size, int index) {
  return drawPool(gen, size, index, true);
}

OpCase drawGlobalAvgPool(Gen& gen, CaseSize size, int) {
  OpCase c;
  c.inputs = {
      {pick(gen, 1, 3), pick(gen, 1, 4), pick(gen, 1, maxDim(size)), pick(gen, 1, maxDim(size))}};
  return c;
}

OpCase drawBatchNorm(Gen& gen, CaseSize size, int index) {
  OpCase c;
  c.training = index % 2 == 0;
  c.attrs["momentum"] = pickReal(gen, 0.05, 0.9);
  c.attrs["epsilon"] = coin(gen) ? 1e-5 : 1e-3;
  if (index % 4 < 2)
    c.inputs = {{pick(gen, 2, small(size) ? 5 : 8), pick(gen, 1, 5)}};
  else
    c.inputs = {
        {pick(gen, 1, 3), pick(gen, 1, 4), pick(gen, 1, maxDim(size)), pick(gen, 2, maxDim(size))}};
  return c;
}

OpCase drawDropout(Gen& gen, CaseSize size, int index) {
  OpCase c;
  c.training = index % 2 == 0;
  c.attrs["rate"] = pickReal(gen, 0.1, 0.7);
  c.inputs = {randomShape(gen, 2, 4, maxDim(size))};
  c.rngKey = static_cast<std::uint64_t>(pick(gen, 1, 1000000));
  return c;
}

// An activation without attributes: any rank from 2 to 4.
OpCase drawElementwise(Gen& gen, CaseSize size, int) {
  OpCase c;
  c.inputs = {randomShape(gen, 2, 4, maxDim(size))};
  return c;
}

OpCase drawLeakyReLU(Gen& gen, CaseSize size, int index) {
  OpCase c = drawElementwise(gen, size, index);
  c.attrs["alpha"] = pickReal(gen, 0.0, 0.5);
  return c;
}

OpCase drawELU(Gen& gen, CaseSize size, int index) {
  OpCase c = drawElementwise(gen, size, index);
  c.attrs["alpha"] = pickReal(gen, 0.1, 2.0);
  return c;
}

// GELU alternates its two forms.
OpCase drawGELU(Gen& gen, CaseSize size, int index) {
  OpCase c = drawElementwise(gen, size, index);
  c.attrs["approximate"] = std::string(index % 2 == 0 ? "none" : "tanh");
  return c;
}

OpCase drawSoftmax(Gen& gen, CaseSize size, int) {
  OpCase c;
  Dims d = randomShape(gen, 2, 4, maxDim(size));
  const auto rank = static_cast<std::int64_t>(d.size());
  c.attrs["axis"] = coin(gen) ? pick(gen, 1, rank - 1) : -pick(gen, 1, rank - 1);
  c.inputs = {d};
  return c;
}

OpCase drawReshape(Gen& gen, CaseSize, int) {
  OpCase c;
  const std::int64_t a = pick(gen, 1, 4), b = pick(gen, 1, 4), d = pick(gen, 1, 3);
  Ints target = {b, a * d};
  if (coin(gen)) target = {d, a, b};
  if (coin(gen))
    target[static_cast<size_t>(pick(gen, 0, static_cast<std::int64_t>(target.size()) - 1))] = -1;
  c.attrs["shape"] = target;
  c.inputs = {{pick(gen, 1, 3), a, b, d}};
  return c;
}

OpCase drawAdd(Gen& gen, CaseSize size, int) {
  OpCase c;
  const Dims d = randomShape(gen, 2, 4, maxDim(size));
  c.inputs.assign(static_cast<size_t>(pick(gen, 2, 4)), d);
  return c;
}

OpCase drawConcat(Gen& gen, CaseSize size, int) {
  OpCase c;
  Dims d = randomShape(gen, 2, 4, maxDim(size));
  const auto rank = static_cast<std::int64_t>(d.size());
  const std::int64_t axis = pick(gen, 1, rank - 1);
  c.attrs["axis"] = coin(gen) ? axis : axis - rank;
  const auto n = pick(gen, 2, 3);
  for (std::int64_t i = 0; i < n; ++i) {
    d[static_cast<size_t>(axis)] = pick(gen, 1, maxDim(size));
    c.inputs.push_back(d);
  }
  return c;
}

// The shapes every activation is also run at: an NCHW image and a feature matrix.
std::vector<OpCase> activationShapes(const AttrMap& attrs) {
  return {fixedCase(attrs, {{2, 3, 5, 4}}), fixedCase(attrs, {{7, 13}})};
}

std::vector<OpCase> concat(std::vector<OpCase> a, const std::vector<OpCase>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// GCC 12 warns about every member a designated initializer leaves to its default, which is
// the point of writing the table this way.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
std::vector<OpCaseSet> makeTable() {
  const AttrMap none;
  const AttrMap same5x5 = {{"kernel_size", Ints{5, 5}}, {"padding", std::string("same")}};
  auto with = [](AttrMap base, const AttrMap& more) {
    for (const auto& [k, v] : more) base[k] = v;
    return base;
  };
  return {
      {.op = "Input",
       .noKernelBecause =
           "the executor writes the batch into Input's output; its kernels do nothing "
           "(shape inference is covered by ops_shape_test and graph_test)"},
      {.op = "Dense",
       .draw = drawDense,
       .fixed = {fixedCase({{"units", std::int64_t{10}}}, {{32, 1024}}),
                 fixedCase({{"units", std::int64_t{7}}, {"use_bias", false}}, {{5, 12}})}},
      {.op = "Conv2D",
       .draw = drawConv2D,
       .normalCount = 18,
       .smallCount = 6,
       // The 2-conv CNN of the benchmarks at batch 2, and ResNet-small's stride-2 convs.
       .fixed = {fixedCase(with(same5x5, {{"filters", std::int64_t{32}}}), {{2, 1, 28, 28}}),
                 fixedCase(with(same5x5, {{"filters", std::int64_t{64}}}), {{2, 32, 14, 14}}),
                 fixedCase({{"filters", std::int64_t{32}},
                            {"kernel_size", Ints{3, 3}},
                            {"stride", Ints{2, 2}},
                            {"padding", std::string("same")}},
                           {{2, 16, 28, 28}}),
                 fixedCase({{"filters", std::int64_t{32}},
                            {"kernel_size", Ints{1, 1}},
                            {"stride", Ints{2, 2}},
                            {"use_bias", false}},
                           {{2, 16, 28, 28}})}},
      {.op = "MaxPool2D",
       .draw = drawMaxPool2D,
       .fill = InputFill::Distinct,
       .normalCount = 12,
       .fixed = {fixedCase({{"pool_size", Ints{2, 2}}}, {{2, 3, 8, 8}})}},
      {.op = "AvgPool2D", .draw = drawAvgPool2D, .normalCount = 12},
      {.op = "GlobalAvgPool",
       .draw = drawGlobalAvgPool,
       .fixed = {fixedCase(none, {{3, 16, 7, 7}}), fixedCase(none, {{2, 5, 3, 4}})}},
      {.op = "BatchNorm",
       .draw = drawBatchNorm,
       .fixed = {fixedCase({{"momentum", 0.3}, {"epsilon", 1e-3}}, {{4, 6, 5, 3}}, true),
                 fixedCase({{"momentum", 0.3}, {"epsilon", 1e-3}}, {{4, 6, 5, 3}}, false),
                 fixedCase(none, {{8, 10}}, true), fixedCase(none, {{8, 10}}, false)}},
      {.op = "Dropout",
       .draw = drawDropout,
       .fixed = {fixedCase({{"rate", 0.3}}, {{2, 3, 4, 5}}, true),
                 fixedCase({{"rate", 0.3}}, {{2, 3, 4, 5}}, false),
                 fixedCase({{"rate", 0.5}}, {{6, 20}}, true)},
       .torchInferenceOnly = true},
      {.op = "ReLU",
       .draw = drawElementwise,
       .fill = InputFill::AwayFromZero,
       .fixed = activationShapes(none)},
      {.op = "LeakyReLU",
       .draw = drawLeakyReLU,
       .fill = InputFill::AwayFromZero,
       .fixed = concat(activationShapes({{"alpha", 0.1}}), activationShapes({{"alpha", 0.0}}))},
      {.op = "ELU",
       .draw = drawELU,
       .fill = InputFill::AwayFromZero,
       .fixed = concat(activationShapes(none), activationShapes({{"alpha", 0.5}}))},
      {.op = "GELU",
       .draw = drawGELU,
       .fixed = concat(activationShapes({{"approximate", std::string("none")}}),
                       activationShapes({{"approximate", std::string("tanh")}}))},
      {.op = "Sigmoid", .draw = drawElementwise, .fixed = activationShapes(none)},
      {.op = "Tanh", .draw = drawElementwise, .fixed = activationShapes(none)},
      {.op = "Softmax",
       .draw = drawSoftmax,
       .fixed = {fixedCase(none, {{16, 10}}), fixedCase({{"axis", std::int64_t{-1}}}, {{3, 4, 7}}),
                 fixedCase({{"axis", std::int64_t{0}}}, {{5, 6}}),
                 fixedCase({{"axis", std::int64_t{1}}}, {{2, 5, 3, 3}}),
                 fixedCase({{"axis", std::int64_t{-1}}}, {{2, 5, 3, 4}})}},
      {.op = "Flatten",
       .draw = drawElementwise,
       .fixed = {fixedCase(none, {{3, 4, 5, 6}}), fixedCase(none, {{2, 1, 5, 5}})}},
      {.op = "Reshape", .draw = drawReshape},
      {.op = "Add",
       .draw = drawAdd,
       .fixed = {fixedCase(none, {{2, 8, 5, 5}, {2, 8, 5, 5}}),
                 fixedCase(none, {{2, 3, 4, 4}, {2, 3, 4, 4}, {2, 3, 4, 4}}),
                 fixedCase(none, {{4, 9}, {4, 9}})}},
      {.op = "Concat",
       .draw = drawConcat,
       .fixed = {fixedCase(none, {{2, 3, 4, 5}, {2, 5, 4, 5}, {2, 1, 4, 5}}),
                 fixedCase({{"axis", std::int64_t{2}}}, {{2, 3, 2, 5}, {2, 3, 4, 5}}),
                 fixedCase({{"axis", std::int64_t{-1}}}, {{2, 3, 4, 2}, {2, 3, 4, 3}}),
                 fixedCase(none, {{3, 4}, {3, 6}})}},
  };
}
#pragma GCC diagnostic pop

// FNV-1a: a seed from the op's name that is the same on every platform.
std::uint64_t seedOf(const std::string& op, CaseSize size) {
  std::uint64_t h = 1469598103934665603ull;
  for (char ch : op) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h + (small(size) ? 1 : 0);
}

}  // namespace

const std::vector<OpCaseSet>& caseTable() {
  static const std::vector<OpCaseSet> table = makeTable();
  return table;
}

const OpCaseSet* findCaseSet(const std::string& op) {
  for (const OpCaseSet& s : caseTable())
    if (s.op == op) return &s;
  return nullptr;
}

std::vector<OpCase> casesFor(const std::string& op, CaseSize size) {
  const OpCaseSet* set = findCaseSet(op);
  if (!set || !set->draw) return {};
  std::vector<OpCase> cases;
  if (size == CaseSize::Normal) cases = set->fixed;
  const int count =
      static_cast<int>(cases.size()) + (small(size) ? set->smallCount : set->normalCount);
  Gen gen(seedOf(op, size));
  int drawn = 0;
  for (int attempt = 0; static_cast<int>(cases.size()) < count && attempt < 1000; ++attempt) {
    OpCase c = set->draw(gen, size, drawn);
    c.op = op;
    // A window that does not fit the drawn input fails shape inference: draw again.
    if (!OpRun::create(c).hasValue()) continue;
    cases.push_back(std::move(c));
    ++drawn;
  }
  for (OpCase& c : cases) c.op = op;
  return cases;
}

std::vector<std::string> opsUnderTest() {
  std::vector<std::string> names;
  for (const Op* op : OpRegistry::global().all()) {
    const OpCaseSet* set = findCaseSet(op->schema().name);
    if (set && !set->draw) continue;
    names.push_back(op->schema().name);
  }
  return names;
}

std::vector<OpOnBackend> opsOnBackends(bool withReference) {
  std::vector<OpOnBackend> pairs;
  for (const std::string& op : opsUnderTest())
    for (const std::string& backend : backendNames())
      if (withReference || backend != "reference") pairs.push_back({op, backend});
  return pairs;
}

}  // namespace loom::test
