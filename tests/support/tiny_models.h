// Small models for tests that train briefly on Fashion-MNIST, written once: the graph blocks
// here, the training and dataset blocks (which each test tunes) in the test.
#pragma once

#include <string>

namespace loom::test {

/// image → conv (4 filters, 3×3) → relu → flatten → logits (10): the smallest net with a
/// convolution, a ReLU whose dead units the statistics see, and a Dense head.
inline const char* const kTinyConvGraph = R"(graph {
  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } }
  node { name: "conv" op: "Conv2D" input: "image"
         attr { name: "filters" i: 4 } attr { name: "kernel_size" ints { v: [3, 3] } } }
  node { name: "relu" op: "ReLU" input: "conv" }
  node { name: "flatten" op: "Flatten" input: "relu" }
  node { name: "logits" op: "Dense" input: "flatten" attr { name: "units" i: 10 } }
}
)";

/// image → flatten → hidden (`units`) → relu → logits (10): an MLP that learns in a few epochs.
inline std::string tinyMlpGraph(int units) {
  return R"(graph {
  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } }
  node { name: "flatten" op: "Flatten" input: "image" }
  node { name: "hidden" op: "Dense" input: "flatten" attr { name: "units" i: )" +
         std::to_string(units) + R"( } }
  node { name: "relu" op: "ReLU" input: "hidden" }
  node { name: "logits" op: "Dense" input: "relu" attr { name: "units" i: 10 } }
}
)";
}

/// A whole `.loom` text: the format version, `name`, `graph` (a block above), then `rest`
/// (the test's training and dataset blocks).
inline std::string tinyModel(const std::string& name, const std::string& graph,
                             const std::string& rest) {
  return "format_version: 2\nname: \"" + name + "\"\n" + graph + rest;
}

}  // namespace loom::test
