// Graph IR structure, topological order, `.loom` text round trip and parse errors.
#include "engine/graph/graph.h"

#include <gtest/gtest.h>

#include "engine/graph/model.h"
#include "engine/graph/placement.h"

using namespace loom;

namespace {
Node node(std::string name, std::string op, std::vector<std::string> inputs = {}) {
  Node n;
  n.name = std::move(name);
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  return n;
}
std::string nodeName(int i) {
  std::string s = std::to_string(i);
  s.insert(s.begin(), 'n');  // not "n" + ...: GCC 12 warns falsely (-Wrestrict) on that
  return s;
}
}  // namespace

TEST(Graph, TopologicalOrderKeepsFileOrderForTies) {
  Graph g;
  ASSERT_TRUE(g.addNode(node("c", "Add", {"a", "b"})).isOk());
  ASSERT_TRUE(g.addNode(node("b", "ReLU", {"a"})).isOk());
  ASSERT_TRUE(g.addNode(node("a", "Input")).isOk());
  auto order = g.topologicalOrder();
  ASSERT_TRUE(order.hasValue());
  EXPECT_EQ(*order, (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(*g.resolvedOutput(), "c");
}

// The name index must follow every way a graph changes: renames through nodes() and find(),
// removal, copies, assignment. A linear scan is the reference.
TEST(Graph, NameIndexFollowsRenamesRemovalsAndCopies) {
  Graph g;
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(
        g.addNode(node(nodeName(i), "ReLU",
                       i ? std::vector<std::string>{nodeName(i - 1)} : std::vector<std::string>{}))
            .isOk());
  auto linear = [](const Graph& graph, const std::string& name) {
    for (size_t i = 0; i < graph.nodes().size(); ++i)
      if (graph.nodes()[i].name == name) return static_cast<int>(i);
    return -1;
  };
  auto agree = [&](const Graph& graph, const std::vector<std::string>& names) {
    for (const auto& n : names) EXPECT_EQ(graph.indexOf(n), linear(graph, n)) << n;
  };
  const std::vector<std::string> probe{"n0", "n7", "n49", "renamed", "via_find", "n50", "missing"};
  agree(g, probe);
  g.nodes()[7].name = "renamed";  // through the mutable vector
  agree(g, probe);
  g.find("n8")->name = "via_find";  // through the mutable pointer
  agree(g, probe);
  g.removeNode("n0");
  agree(g, probe);
  Graph copy = g;
  agree(copy, probe);
  copy.nodes()[0].name = "n50";
  agree(copy, probe);
  agree(g, probe);  // the original is not affected by the copy's edit
  g = copy;
  agree(g, probe);
  EXPECT_FALSE(g.addNode(node("n50", "ReLU")).isOk());  // the duplicate is seen after assignment
  ASSERT_TRUE(g.addNode(node("fresh", "ReLU", {"n49"})).isOk());
  EXPECT_EQ(g.indexOf("fresh"), static_cast<int>(g.nodes().size()) - 1);
  EXPECT_EQ(g.uniqueName("fresh"), "fresh_2");
}

TEST(Graph, CycleIsReportedWithANodeName) {
  Graph g;
  ASSERT_TRUE(g.addNode(node("a", "ReLU", {"b"})).isOk());
  ASSERT_TRUE(g.addNode(node("b", "ReLU", {"a"})).isOk());
  auto st = g.checkStructure();
  EXPECT_EQ(st.code(), ErrorCode::InvalidGraph);
  EXPECT_NE(st.message().find("cycle"), std::string::npos);
}

TEST(Graph, DanglingInputAndDuplicateNames) {
  Graph g;
  ASSERT_TRUE(g.addNode(node("a", "Input")).isOk());
  EXPECT_FALSE(g.addNode(node("a", "ReLU")).isOk());
  ASSERT_TRUE(g.addNode(node("b", "ReLU", {"zz"})).isOk());
  auto st = g.checkStructure();
  EXPECT_NE(st.message().find("\"zz\" does not exist"), std::string::npos) << st.message();
  EXPECT_EQ(g.uniqueName("a"), "a_2");
}

TEST(ModelIo, RoundTripIsByteIdentical) {
  Model m;
  m.name = "tiny";
  Node in = node("x", "Input");
  in.attrs["shape"] = std::vector<std::int64_t>{1, 28, 28};
  Node fc = node("fc", "Dense", {"x"});
  fc.attrs["units"] = std::int64_t{10};
  fc.attrs["use_bias"] = true;
  fc.attrs["alpha"] = 0.5;
  fc.x = 12.5;
  ASSERT_TRUE(m.graph.addNode(in).isOk());
  ASSERT_TRUE(m.graph.addNode(fc).isOk());
  Tensor w({2, 3});
  for (int i = 0; i < 6; ++i) w.f32()[i] = 0.25f * static_cast<float>(i) - 0.5f;
  m.parameters["fc.weights"] = w;
  applyDefaults(m);
  std::string text = serializeModel(m);
  auto back = parseModel(text, "mem.loom");
  ASSERT_TRUE(back.hasValue()) << back.status().message();
  EXPECT_EQ(back->graph, m.graph);
  EXPECT_EQ(serializeModel(*back), text);
  EXPECT_EQ(maxRelativeDifference(back->parameters.at("fc.weights"), w), 0.0);
}

TEST(ModelIo, SyntaxErrorNamesFileLineColumn) {
  auto r = parseModel("format_version: 2\ngraph {\n  node { name: \"a\" op: }\n}\n", "bad.loom");
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::ParseError);
  EXPECT_EQ(r.status().message().rfind("bad.loom:3:", 0), 0u) << r.status().message();
}

TEST(ModelIo, Version1UpgradesStridesAttribute) {
  auto r = parseModel(
      "format_version: 1\ngraph { node { name: \"c\" op: \"Conv2D\" attr { name: \"strides\" i: 2 "
      "} } }\n",
      "v1.loom");
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  EXPECT_TRUE(r->graph.nodes()[0].attrs.count("stride"));
  EXPECT_FALSE(r->graph.nodes()[0].attrs.count("strides"));
}

TEST(ModelIo, NewerVersionIsRejected) {
  auto r = parseModel("format_version: 99\n", "new.loom");
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("newer"), std::string::npos);
}

TEST(ModelIo, MissingFileNamesPath) {
  auto r = loadModel("/nonexistent/dir/m.loom");
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::NotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/dir/m.loom"), std::string::npos);
}

// placeByDepth: row = longest path from a source, column = order within the row (expected
// positions worked out by hand from the spacing constants).
TEST(Placement, RowsAreLongestPathDepthsAndColumnsFollowTopologicalOrder) {
  Graph g;
  // a -> b -> c, a -> c (c's longest path is 2, not 1), a -> d, {c, d} -> e
  ASSERT_TRUE(g.addNode(node("a", "Input")).isOk());
  ASSERT_TRUE(g.addNode(node("b", "ReLU", {"a"})).isOk());
  ASSERT_TRUE(g.addNode(node("c", "Add", {"b", "a"})).isOk());
  ASSERT_TRUE(g.addNode(node("d", "ReLU", {"a"})).isOk());
  ASSERT_TRUE(g.addNode(node("e", "Add", {"c", "d"})).isOk());
  EXPECT_TRUE(lacksPlacement(g));
  placeByDepth(g);
  EXPECT_FALSE(lacksPlacement(g));
  const double dx = kPlacementColumnStep, dy = kPlacementRowStep;
  auto at = [&](const char* name) {
    const Node* n = g.find(name);
    return std::pair{n->x, n->y};
  };
  EXPECT_EQ(at("a"), std::pair(0.0, 0.0));
  EXPECT_EQ(at("b"), std::pair(0.0, dy));  // row 1: b, then d
  EXPECT_EQ(at("d"), std::pair(dx, dy));
  EXPECT_EQ(at("c"), std::pair(0.0, 2 * dy));  // via b
  EXPECT_EQ(at("e"), std::pair(0.0, 3 * dy));
}

TEST(Placement, OnlyGraphsWithEveryNodeOnOnePointLackIt) {
  Graph g;
  EXPECT_FALSE(lacksPlacement(g));  // empty
  ASSERT_TRUE(g.addNode(node("a", "Input")).isOk());
  EXPECT_FALSE(lacksPlacement(g));  // one node is placed wherever it is
  Node b = node("b", "ReLU", {"a"});
  b.x = b.y = 500;  // both at (500, 500): still a pile
  g.nodes()[0].x = g.nodes()[0].y = 500;
  ASSERT_TRUE(g.addNode(b).isOk());
  EXPECT_TRUE(lacksPlacement(g));
  g.nodes()[1].y = 590;
  EXPECT_FALSE(lacksPlacement(g));
}

TEST(Placement, ACycleIsPlacedInFileOrderSixteenToARow) {
  Graph g;
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(g.addNode(node(nodeName(i), "ReLU", {nodeName((i + 19) % 20)})).isOk());
  ASSERT_FALSE(g.topologicalOrder().hasValue());
  placeByDepth(g);
  EXPECT_EQ(g.nodes()[15].x, 15 * kPlacementColumnStep);
  EXPECT_EQ(g.nodes()[15].y, 0.0);
  EXPECT_EQ(g.nodes()[17].x, 1 * kPlacementColumnStep);
  EXPECT_EQ(g.nodes()[17].y, kPlacementRowStep);
}
