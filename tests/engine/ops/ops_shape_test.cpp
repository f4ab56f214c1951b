// Schemas, shape inference, error messages and cost of the built-in ops. Expected shapes,
// pads and FLOP counts are worked out by hand in the comments.
#include <gtest/gtest.h>

#include "engine/ops/conv_geometry.h"
#include "engine/ops/op.h"

using namespace loom;

namespace {

using Ints = std::vector<std::int64_t>;

const Op& op(const std::string& name) {
  const Op* o = OpRegistry::global().find(name);
  EXPECT_NE(o, nullptr) << name;
  return *o;
}

// Resolves attributes and infers shapes; the status when either fails.
Expected<ShapeInfo> infer(const std::string& name, const AttrMap& raw,
                          const std::vector<Dims>& inputs) {
  LOOM_ASSIGN_OR_RETURN(Attrs attrs, resolveAttrs(op(name).schema(), raw));
  return op(name).inferShapes(inputs, attrs);
}

Cost costOf(const std::string& name, const AttrMap& raw, const std::vector<Dims>& inputs) {
  auto attrs = resolveAttrs(op(name).schema(), raw);
  EXPECT_TRUE(attrs.hasValue()) << attrs.status().message();
  auto info = op(name).inferShapes(inputs, *attrs);
  EXPECT_TRUE(info.hasValue()) << info.status().message();
  return op(name).cost(inputs, *info, *attrs);
}

// Asserts failure and that the message contains every fragment.
void expectError(const Expected<ShapeInfo>& r, std::initializer_list<std::string> fragments) {
  ASSERT_FALSE(r.hasValue());
  for (const auto& f : fragments)
    EXPECT_NE(r.status().message().find(f), std::string::npos)
        << "message \"" << r.status().message() << "\" lacks \"" << f << "\"";
}

}  // namespace

TEST(OpSchemas, EveryRegisteredOpHasACategoryAndDocs) {
  ASSERT_NE(OpRegistry::global().find("Input"), nullptr);
  for (const Op* o : OpRegistry::global().all()) {
    const OpSchema& s = o->schema();
    EXPECT_FALSE(s.category.empty()) << s.name;
    EXPECT_FALSE(s.doc.empty()) << s.name;
    for (const auto& a : s.attrs) EXPECT_FALSE(a.doc.empty()) << s.name << "." << a.name;
    EXPECT_EQ(OpRegistry::global().find(s.name), o) << s.name << " is registered twice";
  }
  EXPECT_TRUE(op("BatchNorm").hasTrainingMode());
  EXPECT_TRUE(op("Dropout").hasTrainingMode());
  EXPECT_FALSE(op("Conv2D").hasTrainingMode());
  EXPECT_EQ(op("Add").schema().maxInputs, -1);
  EXPECT_EQ(op("Input").schema().maxInputs, 0);
}

TEST(OpShapes, InputPrependsTheBatch) {
  auto r = infer("Input", {{"shape", Ints{1, 28, 28}}}, {Dims{8}});
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  EXPECT_EQ(r->output, (Dims{8, 1, 28, 28}));
  expectError(infer("Input", {}, {Dims{8}}), {"\"shape\"", "required"});
}

TEST(OpShapes, DenseParamsAndFans) {
  auto r = infer("Dense", {{"units", std::int64_t{10}}}, {{4, 100}});
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  EXPECT_EQ(r->output, (Dims{4, 10}));
  ASSERT_EQ(r->params.size(), 2u);
  EXPECT_EQ(r->params[0].name, "weights");
  EXPECT_EQ(r->params[0].dims, (Dims{10, 100}));
  EXPECT_EQ(r->params[0].init.kind, InitKind::GlorotUniform);
  EXPECT_EQ(r->params[0].init.fanIn, 100);
  EXPECT_EQ(r->params[0].init.fanOut, 10);
  EXPECT_EQ(r->params[1].dims, (Dims{10}));
  EXPECT_EQ(r->params[1].init.kind, InitKind::Zeros);
  auto noBias = infer("Dense",
                      {{"units", std::int64_t{3}},
                       {"use_bias", false},
                       {"kernel_initializer", std::string("he_normal")}},
                      {{4, 5}});
  ASSERT_TRUE(noBias.hasValue());
  EXPECT_EQ(noBias->params.size(), 1u);
  EXPECT_EQ(noBias->params[0].init.kind, InitKind::HeNormal);
}

TEST(OpShapes, DenseOnImagesSuggestsFlatten) {
  expectError(infer("Dense", {{"units", std::int64_t{10}}}, {{8, 16, 4, 4}}),
              {"input 0 has shape [8, 16, 4, 4]", "[N, features]", "Flatten"});
  expectError(infer("Dense", {{"units", std::int64_t{0}}}, {{8, 16}}),
              {"\"units\" = 0", "minimum 1"});
}

TEST(OpShapes, ConvSamePaddingFollowsTensorFlow) {
  // 7x7, k3, s2: out = ceil(7/2) = 4; total = (4-1)*2 + 3 - 7 = 2 -> 1 top, 1 bottom.
  auto w = computeWindow2D(7, 8, {3, 3}, {2, 2}, {1, 1}, PaddingMode::Same, {0, 0, 0, 0});
  ASSERT_TRUE(w.hasValue());
  EXPECT_EQ(w->outH, 4);
  EXPECT_EQ(w->padTop, 1);
  EXPECT_EQ(w->padBottom, 1);
  // 8 wide: out = 4; total = 3*2 + 3 - 8 = 1 -> 0 left, the extra 1 right.
  EXPECT_EQ(w->outW, 4);
  EXPECT_EQ(w->padLeft, 0);
  EXPECT_EQ(w->padRight, 1);
  // Dilation 2 widens k3 to 5: 10 wide, s1 -> total = 9 + 5 - 10 = 4 -> 2 and 2.
  auto d = computeWindow2D(10, 10, {3, 3}, {1, 1}, {2, 2}, PaddingMode::Same, {0, 0, 0, 0});
  ASSERT_TRUE(d.hasValue());
  EXPECT_EQ(d->outH, 10);
  EXPECT_EQ(d->padTop, 2);
  EXPECT_EQ(d->padBottom, 2);
}

TEST(OpShapes, ConvExplicitAndValidPadding) {
  // 5x5 with pads [top 1, left 0, bottom 2, right 3], k3: H = 5+1+2-3+1 = 6, W = 5+0+3-3+1 = 6.
  auto r = infer("Conv2D",
                 {{"filters", std::int64_t{4}},
                  {"kernel_size", std::int64_t{3}},
                  {"padding", std::string("explicit")},
                  {"pads", Ints{1, 0, 2, 3}}},
                 {{2, 3, 5, 5}});
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  EXPECT_EQ(r->output, (Dims{2, 4, 6, 6}));
  // valid, k [3, 1], stride [2, 1], dilation [2, 1] on 9x4: H = (9 - 5)/2 + 1 = 3, W = 4.
  auto v = infer("Conv2D",
                 {{"filters", std::int64_t{1}},
                  {"kernel_size", Ints{3, 1}},
                  {"stride", Ints{2, 1}},
                  {"dilation", Ints{2, 1}}},
                 {{1, 1, 9, 4}});
  ASSERT_TRUE(v.hasValue()) << v.status().message();
  EXPECT_EQ(v->output, (Dims{1, 1, 3, 4}));
}

TEST(OpShapes, ConvGroupsParamsAndFans) {
  auto r = infer("Conv2D",
                 {{"filters", std::int64_t{32}},
                  {"kernel_size", std::int64_t{3}},
                  {"groups", std::int64_t{2}},
                  {"padding", std::string("same")}},
                 {{1, 16, 8, 8}});
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  EXPECT_EQ(r->output, (Dims{1, 32, 8, 8}));
  EXPECT_EQ(r->params[0].dims, (Dims{32, 8, 3, 3}));
  EXPECT_EQ(r->params[0].init.fanIn, 8 * 9);    // C / groups * kH * kW
  EXPECT_EQ(r->params[0].init.fanOut, 16 * 9);  // filters / groups * kH * kW
  EXPECT_EQ(r->params[1].dims, (Dims{32}));
}

TEST(OpShapes, ConvErrorsNameTheArgument) {
  expectError(infer("Conv2D",
                    {{"filters", std::int64_t{6}},
                     {"kernel_size", std::int64_t{3}},
                     {"groups", std::int64_t{3}}},
                    {{1, 16, 8, 8}}),
              {"\"groups\" = 3", "input channels 16"});
  expectError(infer("Conv2D",
                    {{"filters", std::int64_t{8}},
                     {"kernel_size", std::int64_t{3}},
                     {"groups", std::int64_t{3}}},
                    {{1, 6, 8, 8}}),
              {"\"groups\" = 3", "\"filters\" = 8"});
  expectError(infer("Conv2D", {{"filters", std::int64_t{8}}, {"kernel_size", std::int64_t{5}}},
                    {{1, 1, 3, 3}}),
              {"kernel 5x5", "input 3x3"});
  expectError(infer("Conv2D",
                    {{"filters", std::int64_t{8}},
                     {"kernel_size", std::int64_t{3}},
                     {"stride", std::int64_t{0}}},
                    {{1, 1, 9, 9}}),
              {"\"stride\" = [0, 0]", "minimum 1"});
  expectError(infer("Conv2D", {{"filters", std::int64_t{8}}, {"kernel_size", Ints{3, 3, 3}}},
                    {{1, 1, 9, 9}}),
              {"\"kernel_size\" = [3, 3, 3]", "2 elements"});
  expectError(infer("Conv2D",
                    {{"filters", std::int64_t{8}},
                     {"kernel_size", std::int64_t{3}},
                     {"padding", std::string("full")}},
                    {{1, 1, 9, 9}}),
              {"\"padding\" = \"full\"", "valid, same, explicit"});
  expectError(infer("Conv2D", {{"filters", std::int64_t{8}}, {"kernel_size", std::int64_t{3}}},
                    {{1, 9, 9}}),
              {"input 0 has shape [1, 9, 9]", "[N, C, H, W]"});
}

TEST(OpShapes, PoolingWindows) {
  // stride 0 = pool size: 7x7 pool 2 -> 3x3 (floor).
  auto r = infer("MaxPool2D", {}, {{2, 3, 7, 7}});
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  EXPECT_EQ(r->output, (Dims{2, 3, 3, 3}));
  // same: ceil(7 / 2) = 4.
  auto s = infer("AvgPool2D", {{"padding", std::string("same")}}, {{2, 3, 7, 7}});
  ASSERT_TRUE(s.hasValue());
  EXPECT_EQ(s->output, (Dims{2, 3, 4, 4}));
  expectError(infer("MaxPool2D", {{"padding", std::string("explicit")}, {"pads", Ints{0, 0, 2, 0}}},
                    {{1, 1, 6, 6}}),
              {"\"pads\" = [0, 0, 2, 0]", "pad 2", "pool size 2"});
  EXPECT_TRUE(r->params.empty());
  auto g = infer("GlobalAvgPool", {}, {{2, 5, 3, 3}});
  ASSERT_TRUE(g.hasValue());
  EXPECT_EQ(g->output, (Dims{2, 5}));
  expectError(infer("GlobalAvgPool", {}, {{2, 5}}), {"[2, 5]", "[N, C, H, W]"});
}

TEST(OpShapes, BatchNormParamsAndRanges) {
  auto r = infer("BatchNorm", {}, {{4, 6, 5, 5}});
  ASSERT_TRUE(r.hasValue());
  ASSERT_EQ(r->params.size(), 4u);
  const char* names[] = {"gamma", "beta", "running_mean", "running_var"};
  const bool trainable[] = {true, true, false, false};
  const InitKind kinds[] = {InitKind::Ones, InitKind::Zeros, InitKind::Zeros, InitKind::Ones};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r->params[i].name, names[i]);
    EXPECT_EQ(r->params[i].dims, (Dims{6}));
    EXPECT_EQ(r->params[i].trainable, trainable[i]);
    EXPECT_EQ(r->params[i].init.kind, kinds[i]);
  }
  expectError(infer("BatchNorm", {{"momentum", 1.5}}, {{4, 6}}),
              {"\"momentum\" = 1.5", "maximum 1"});
  expectError(infer("BatchNorm", {}, {{4, 6, 5}}), {"[4, 6, 5]", "[N, C] or [N, C, H, W]"});
}

TEST(OpShapes, DropoutRateMustBeBelowOne) {
  expectError(infer("Dropout", {{"rate", 1.0}}, {{4, 6}}), {"\"rate\" = 1", "below 1"});
  expectError(infer("Dropout", {{"rate", -0.5}}, {{4, 6}}), {"\"rate\" = -0.5", "minimum 0"});
  EXPECT_TRUE(infer("Dropout", {{"rate", 0.0}}, {{4, 6}}).hasValue());
}

TEST(OpShapes, AddAndConcatMismatchesNameBothShapes) {
  expectError(infer("Add", {}, {{64, 32, 14, 14}, {64, 32, 14, 14}, {64, 16, 14, 14}}),
              {"input 2 has shape [64, 16, 14, 14] but input 0 has [64, 32, 14, 14]"});
  auto c = infer("Concat", {}, {{2, 3, 4, 4}, {2, 5, 4, 4}});
  ASSERT_TRUE(c.hasValue());
  EXPECT_EQ(c->output, (Dims{2, 8, 4, 4}));
  auto last = infer("Concat", {{"axis", std::int64_t{-1}}}, {{2, 3, 4}, {2, 3, 1}});
  ASSERT_TRUE(last.hasValue());
  EXPECT_EQ(last->output, (Dims{2, 3, 5}));
  expectError(infer("Concat", {}, {{2, 3, 4, 4}, {2, 5, 4, 5}}),
              {"input 1 has shape [2, 5, 4, 5] but input 0 has [2, 3, 4, 4]", "axis 1"});
  expectError(infer("Concat", {{"axis", std::int64_t{0}}}, {{2, 3}, {2, 3}}),
              {"\"axis\" = 0", "batch axis"});
  expectError(infer("Concat", {{"axis", std::int64_t{4}}}, {{2, 3}, {2, 3}}),
              {"\"axis\" = 4", "rank 2"});
}

TEST(OpShapes, ReshapeAndFlatten) {
  auto f = infer("Flatten", {}, {{5, 3, 4, 2}});
  ASSERT_TRUE(f.hasValue());
  EXPECT_EQ(f->output, (Dims{5, 24}));
  auto r = infer("Reshape", {{"shape", Ints{4, -1}}}, {{5, 3, 4, 2}});
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  EXPECT_EQ(r->output, (Dims{5, 4, 6}));
  expectError(infer("Reshape", {{"shape", Ints{5, 5}}}, {{5, 3, 4, 2}}),
              {"[5, 3, 4, 2]", "24 elements per sample", "[5, 5]", "25 elements"});
  expectError(infer("Reshape", {{"shape", Ints{5, -1}}}, {{5, 3, 4, 2}}),
              {"24 elements per sample", "not a multiple of 5"});
  expectError(infer("Reshape", {{"shape", Ints{-1, -1}}}, {{5, 24}}), {"more than one -1"});
}

TEST(OpShapes, SoftmaxAxis) {
  EXPECT_TRUE(infer("Softmax", {{"axis", std::int64_t{-1}}}, {{2, 3, 4}}).hasValue());
  expectError(infer("Softmax", {{"axis", std::int64_t{2}}}, {{8, 10}}),
              {"\"axis\" = 2", "rank 2", "[8, 10]"});
}

TEST(OpCost, Conv2DByHand) {
  // N=8, C=3, 32x32, 16 filters 3x3, same, bias: each of 8*16*32*32 outputs takes
  // 3*3*3 = 27 multiply-adds (54 FLOPs) plus one bias add.
  const Cost c = costOf("Conv2D",
                        {{"filters", std::int64_t{16}},
                         {"kernel_size", std::int64_t{3}},
                         {"padding", std::string("same")}},
                        {{8, 3, 32, 32}});
  const std::int64_t outputs = 8 * 16 * 32 * 32;
  EXPECT_EQ(c.flops, outputs * 54 + outputs);
  EXPECT_EQ(c.params, 16 * 3 * 3 * 3 + 16);
  EXPECT_EQ(c.activationBytes, outputs * 4);
  // Groups 4, stride 2, no bias, 5x3 kernel on [2, 8, 10, 9], valid:
  // out H = (10-5)/2+1 = 3, W = (9-3)/2+1 = 4; each output sums 8/4 * 5*3 = 30 products.
  const Cost g = costOf("Conv2D",
                        {{"filters", std::int64_t{12}},
                         {"kernel_size", Ints{5, 3}},
                         {"stride", std::int64_t{2}},
                         {"groups", std::int64_t{4}},
                         {"use_bias", false}},
                        {{2, 8, 10, 9}});
  EXPECT_EQ(g.flops, 2 * (2 * 12 * 3 * 4) * 30);
  EXPECT_EQ(g.params, 12 * 2 * 5 * 3);
}

TEST(OpCost, DenseByHand) {
  // 4 samples, 100 -> 10: 4*10 outputs of 100 multiply-adds each plus a bias add.
  const Cost c = costOf("Dense", {{"units", std::int64_t{10}}}, {{4, 100}});
  EXPECT_EQ(c.flops, 4 * 10 * 200 + 4 * 10);
  EXPECT_EQ(c.params, 100 * 10 + 10);
  EXPECT_EQ(c.activationBytes, 4 * 10 * 4);
  const Cost b = costOf("BatchNorm", {}, {{4, 6, 5, 5}});
  EXPECT_EQ(b.params, 12);  // gamma and beta; running statistics are buffers
}
