// The small model the ONNX export and import tests share:
//   image [1, 8, 8] -> conv (2 filters, 3x3, same) -> act (GELU, `gelu`)
//     [-> pool (AvgPool2D counting the padding, which ONNX export refuses)]
//     [-> drop (Dropout, which export leaves out)] -> flat -> fc (Dense, 3 units)
// with defaults applied and parameters materialized.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "engine/graph/model.h"

namespace loom::test {

struct SmallModelOptions {
  std::string gelu = "none";  ///< GELU's `approximate`
  bool badPool = false;       ///< add the unexportable AvgPool2D after the GELU
  bool dropout = true;        ///< add a Dropout before Flatten
};

inline Model smallGeluModel(const SmallModelOptions& o) {
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
  add("act", "GELU", {"conv"}, {{"approximate", o.gelu}});
  std::string last = "act";
  if (o.badPool) {
    add("pool", "AvgPool2D", {last},
        {{"pool_size", std::vector<std::int64_t>{3, 3}},
         {"stride", std::vector<std::int64_t>{1, 1}},
         {"padding", std::string("same")},
         {"count_include_pad", true}});
    last = "pool";
  }
  if (o.dropout) {
    add("drop", "Dropout", {last});
    last = "drop";
  }
  add("flat", "Flatten", {last});
  add("fc", "Dense", {"flat"}, {{"units", std::int64_t{3}}});
  applyDefaults(m);
  EXPECT_TRUE(materializeParameters(m));
  return m;
}

}  // namespace loom::test
