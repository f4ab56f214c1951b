#include "op_cases.h"

#include <algorithm>

namespace loom::test {

namespace {

using Ints = std::vector<std::int64_t>;

std::int64_t pick(std::mt19937_64& gen, std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(gen);
}

double pickReal(std::mt19937_64& gen, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(gen);
}

bool coin(std::mt19937_64& gen) {
  return pick(gen, 0, 1) == 1;
}

// Cycles through the modes so every mode appears among a few cases.
std::string paddingFor(int index) {
  static const char* modes[] = {"explicit", "same", "valid"};
  return modes[index % 3];
}

// A random shape of rank in [minRank, maxRank], batch first, dims in [1, maxDim].
Dims randomShape(std::mt19937_64& gen, int minRank, int maxRank, std::int64_t maxDim) {
  Dims d;
  const auto rank = pick(gen, minRank, maxRank);
  for (std::int64_t i = 0; i < rank; ++i) d.push_back(pick(gen, 1, i == 0 ? 3 : maxDim));
  return d;
}

OpCase draw(const std::string& op, std::mt19937_64& gen, bool small, int index) {
  OpCase c;
  c.op = op;
  c.training = true;
  const std::int64_t maxDim = small ? 4 : 6;
  const std::int64_t maxSpatial = small ? 6 : 10;
  if (op == "Dense") {
    c.attrs["units"] = pick(gen, 1, small ? 5 : 12);
    c.attrs["use_bias"] = coin(gen);
    c.inputs = {{pick(gen, 1, 4), pick(gen, 1, small ? 8 : 24)}};
  } else if (op == "Conv2D") {
    const std::int64_t groups = pick(gen, 1, 3);
    c.attrs["groups"] = groups;
    c.attrs["filters"] = groups * pick(gen, 1, small ? 2 : 3);
    c.attrs["kernel_size"] = Ints{pick(gen, 1, 4), pick(gen, 1, 4)};
    c.attrs["stride"] = Ints{pick(gen, 1, 3), pick(gen, 1, 3)};
    c.attrs["dilation"] = Ints{pick(gen, 1, 2), pick(gen, 1, 2)};
    c.attrs["padding"] = paddingFor(index);
    c.attrs["pads"] = Ints{pick(gen, 0, 3), pick(gen, 0, 3), pick(gen, 0, 3), pick(gen, 0, 3)};
    c.attrs["use_bias"] = coin(gen);
    c.inputs = {{pick(gen, 1, small ? 2 : 3), groups * pick(gen, 1, small ? 2 : 3),
                 pick(gen, 1, maxSpatial), pick(gen, 1, maxSpatial)}};
  } else if (op == "MaxPool2D" || op == "AvgPool2D") {
    const Ints k = {pick(gen, 1, 3), pick(gen, 1, 3)};
    c.attrs["pool_size"] = k;
    c.attrs["stride"] = Ints{pick(gen, 0, 3), pick(gen, 0, 3)};
    c.attrs["padding"] = paddingFor(index);
    c.attrs["pads"] = Ints{pick(gen, 0, k[0] - 1), pick(gen, 0, k[1] - 1), pick(gen, 0, k[0] - 1),
                           pick(gen, 0, k[1] - 1)};
    if (op == "AvgPool2D") c.attrs["count_include_pad"] = coin(gen);
    c.inputs = {
        {pick(gen, 1, 2), pick(gen, 1, 3), pick(gen, 1, maxSpatial), pick(gen, 1, maxSpatial)}};
  } else if (op == "GlobalAvgPool") {
    c.inputs = {{pick(gen, 1, 3), pick(gen, 1, 4), pick(gen, 1, maxDim), pick(gen, 1, maxDim)}};
  } else if (op == "BatchNorm") {
    c.training = index % 2 == 0;
    c.attrs["momentum"] = pickReal(gen, 0.05, 0.9);
    c.attrs["epsilon"] = coin(gen) ? 1e-5 : 1e-3;
    if (index % 4 < 2)
      c.inputs = {{pick(gen, 2, small ? 5 : 8), pick(gen, 1, 5)}};
    else
      c.inputs = {{pick(gen, 1, 3), pick(gen, 1, 4), pick(gen, 1, maxDim), pick(gen, 2, maxDim)}};
  } else if (op == "Dropout") {
    c.attrs["rate"] = pickReal(gen, 0.1, 0.7);
    c.inputs = {randomShape(gen, 2, 4, maxDim)};
    c.rngKey = static_cast<std::uint64_t>(pick(gen, 1, 1000000));
  } else if (op == "ReLU" || op == "Sigmoid" || op == "Tanh") {
    c.inputs = {randomShape(gen, 2, 4, maxDim)};
  } else if (op == "LeakyReLU") {
    c.attrs["alpha"] = pickReal(gen, 0.0, 0.5);
    c.inputs = {randomShape(gen, 2, 4, maxDim)};
  } else if (op == "ELU") {
    c.attrs["alpha"] = pickReal(gen, 0.1, 2.0);
    c.inputs = {randomShape(gen, 2, 4, maxDim)};
  } else if (op == "Softmax") {
    Dims d = randomShape(gen, 2, 4, maxDim);
    const auto rank = static_cast<std::int64_t>(d.size());
    c.attrs["axis"] = coin(gen) ? pick(gen, 1, rank - 1) : -pick(gen, 1, rank - 1);
    c.inputs = {d};
  } else if (op == "Flatten") {
    c.inputs = {randomShape(gen, 2, 4, maxDim)};
  } else if (op == "Reshape") {
    const std::int64_t a = pick(gen, 1, 4), b = pick(gen, 1, 4), d = pick(gen, 1, 3);
    Ints target = {b, a * d};
    if (coin(gen)) target = {d, a, b};
    if (coin(gen))
      target[static_cast<size_t>(pick(gen, 0, static_cast<std::int64_t>(target.size()) - 1))] = -1;
    c.attrs["shape"] = target;
    c.inputs = {{pick(gen, 1, 3), a, b, d}};
  } else if (op == "Add") {
    const Dims d = randomShape(gen, 2, 4, maxDim);
    c.inputs.assign(static_cast<size_t>(pick(gen, 2, 4)), d);
  } else if (op == "Concat") {
    Dims d = randomShape(gen, 2, 4, maxDim);
    const auto rank = static_cast<std::int64_t>(d.size());
    const std::int64_t axis = pick(gen, 1, rank - 1);
    c.attrs["axis"] = coin(gen) ? axis : axis - rank;
    const auto n = pick(gen, 2, 3);
    for (std::int64_t i = 0; i < n; ++i) {
      d[static_cast<size_t>(axis)] = pick(gen, 1, maxDim);
      c.inputs.push_back(d);
    }
  }
  return c;
}

}  // namespace

const std::vector<std::string>& testedOps() {
  static const std::vector<std::string> ops = {
      "Dense",   "Conv2D",  "MaxPool2D", "AvgPool2D", "GlobalAvgPool", "BatchNorm",
      "Dropout", "ReLU",    "LeakyReLU", "ELU",       "Sigmoid",       "Tanh",
      "Softmax", "Flatten", "Reshape",   "Add",       "Concat"};
  return ops;
}

std::vector<OpCase> randomCases(const std::string& op, int count, std::mt19937_64& gen,
                                bool small) {
  std::vector<OpCase> cases;
  int attempts = 0;
  while (static_cast<int>(cases.size()) < count && attempts++ < 1000) {
    OpCase c = draw(op, gen, small, static_cast<int>(cases.size()));
    if (prepareRun(c).hasValue()) cases.push_back(std::move(c));  // skip windows that don't fit
  }
  return cases;
}

}  // namespace loom::test
