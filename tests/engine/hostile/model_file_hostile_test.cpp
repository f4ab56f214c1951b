// Model files that lie or carry bytes that cannot be shown: not-UTF-8 strings are refused
// where they are parsed (they used to abort `loom train` inside the JSON writer), parameter
// dims whose product overflows are refused, attribute errors are model errors.
#include <gtest/gtest.h>

#include "engine/core/utf8.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"

using namespace loom;

TEST(Utf8, PrintableEscapesControlAndInvalidBytesAndCutsLongText) {
  EXPECT_EQ(printable("fc1.weights"), "fc1.weights");
  EXPECT_EQ(printable("a\nb\x80"
                      "c"),
            "a\\x0ab\\x80c");
  EXPECT_EQ(printable("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");  // été kept whole
  EXPECT_EQ(printable("\xC3"), "\\xc3");                           // cut-off sequence escaped
  EXPECT_EQ(printable(std::string(5000, 'x'), 10), "xxxxxxxxxx...");
}

TEST(Utf8, KnownAnswers) {
  EXPECT_FALSE(firstInvalidUtf8("plain ascii"));
  EXPECT_FALSE(firstInvalidUtf8("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // été € 😀
  EXPECT_EQ(firstInvalidUtf8("ab\x80"), 2u);            // lone continuation
  EXPECT_EQ(firstInvalidUtf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(firstInvalidUtf8("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(firstInvalidUtf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(firstInvalidUtf8("ok\xE2\x82"), 2u);        // cut short
  EXPECT_EQ(firstInvalidUtf8(std::string_view("\xFF", 1)), 0u);
}

TEST(Utf8, TextProblemNamesLineAndCharacterColumn) {
  EXPECT_FALSE(utf8TextProblem("line one\nzwei \xC3\xA9\n", "ok.txt"));
  EXPECT_EQ(utf8TextProblem("ab\n\x80", "f.tsv"),
            "f.tsv:2:1: not UTF-8 text (byte 0x80 at byte offset 3)");
  // "\xE2\x82\xAC" (the euro sign) is one column: the cut-off sequence starts in column 3.
  EXPECT_EQ(utf8TextProblem("\n\n\xE2\x82\xAC.\xE2\x82", "g.csv"),
            "g.csv:3:3: not UTF-8 text (byte 0xe2 at byte offset 6)");
}

TEST(ModelFileHostile, NonUtf8StringIsAParseErrorAtItsLineAndColumn) {
  const std::string text =
      "format_version: 2 name: \"\\200\" graph { node { name: \"in\" op: \"Input\" } }";
  auto m = parseModel(text, "bad.loom");
  ASSERT_FALSE(m.hasValue());
  EXPECT_EQ(m.status().code(), ErrorCode::ParseError);
  // Column of the field `name`, counted from 1 (independent of the parser's own count).
  const std::string at = "bad.loom:1:" + std::to_string(text.find("name:") + 1) + ": ";
  EXPECT_NE(
      m.status().message().find(at + "name is not valid UTF-8 (byte 0 of the string is \\x80)"),
      std::string::npos)
      << m.status().message();

  // On the third line, the second node's first input, after a valid multi-byte name.
  m = parseModel(
      "graph {\n  node { name: \"in\" op: \"Input\" }\n"
      "  node { name: \"r\xC3\xA9\" op: \"ReLU\" input: \"in\\377\" } }",
      "bad2.loom");
  ASSERT_FALSE(m.hasValue());
  EXPECT_NE(m.status().message().find("bad2.loom:3:"), std::string::npos) << m.status().message();
  EXPECT_NE(m.status().message().find("graph.node[1].input[0] is not valid UTF-8 (byte 2 "),
            std::string::npos)
      << m.status().message();
}

TEST(ModelFileHostile, ParameterDimsWhoseProductOverflowsAreRefused) {
  // [2^32, 2^32] has 2^64 elements, which wrapped to 0 and matched "no values".
  auto m = parseModel(
      "graph { node { name: \"in\" op: \"Input\" } } parameter { name: \"in.w\" dims: 4294967296 "
      "dims: 4294967296 }",
      "p.loom");
  ASSERT_FALSE(m.hasValue());
  EXPECT_EQ(m.status().code(), ErrorCode::DataCorrupt);
  EXPECT_NE(m.status().message().find("in.w"), std::string::npos) << m.status().message();
}

TEST(ModelFileHostile, AttributeOutOfRangeIsAModelErrorNamingNodeAndValue) {
  auto m = parseModel(
      "graph { node { name: \"in\" op: \"Input\" attr { name: \"shape\" ints { v: 4 } } }"
      " node { name: \"fc\" op: \"Dense\" input: \"in\" attr { name: \"units\" i: 0 } } }",
      "u.loom");
  ASSERT_TRUE(m.hasValue()) << m.status().message();
  GraphAnalysis a = analyzeGraph(m->graph, OpRegistry::global(), 1);
  EXPECT_EQ(a.status.code(), ErrorCode::InvalidGraph) << a.status.message();  // exit 3, was 2
  EXPECT_NE(a.status.message().find("\"fc\""), std::string::npos) << a.status.message();
  EXPECT_NE(a.status.message().find("units"), std::string::npos) << a.status.message();
}

namespace {
GraphAnalysis analyze(const std::string& text, std::int64_t batch = 1) {
  auto m = parseModel(text, "big.loom");
  EXPECT_TRUE(m.hasValue()) << m.status().message();
  return analyzeGraph(m->graph, OpRegistry::global(), batch);
}
}  // namespace

// Sizes that used to overflow int64 (UBSan) or reach std::bad_alloc are analysis errors that
// name the node, the tensor, its dims and its size.
TEST(ModelFileHostile, HugeDenseIsRefusedByAnalysisNamingTheParameter) {
  GraphAnalysis a = analyze(
      "graph { node { name: \"in\" op: \"Input\" attr { name: \"shape\" ints { v: 784 } } }"
      " node { name: \"fc\" op: \"Dense\" input: \"in\" attr { name: \"units\" i: 4294967296 } } "
      "}");
  ASSERT_FALSE(a.status.isOk());
  EXPECT_EQ(a.status.code(), ErrorCode::InvalidGraph);
  EXPECT_NE(a.status.message().find("node \"fc\" (Dense): parameter \"weights\" [4294967296, 784]"),
            std::string::npos)
      << a.status.message();
  EXPECT_NE(a.status.message().find("memory budget"), std::string::npos) << a.status.message();
}

TEST(ModelFileHostile, InputWhoseElementCountOverflowsIsRefused) {
  GraphAnalysis a = analyze(
      "graph { node { name: \"in\" op: \"Input\" attr { name: \"shape\" ints { v: 2147483648 v: "
      "2147483648 v: 4 } } }"
      " node { name: \"flat\" op: \"Flatten\" input: \"in\" } }");
  ASSERT_FALSE(a.status.isOk());
  EXPECT_NE(a.status.message().find("node \"in\" (Input)"), std::string::npos)
      << a.status.message();
  EXPECT_NE(a.status.message().find("64 bits"), std::string::npos) << a.status.message();
  EXPECT_GE(a.total.flops, 0);  // no wrapped "-256 FLOP"
  EXPECT_GE(a.total.activationBytes, 0);
}

TEST(ModelFileHostile, BatchSizeBeyondTheBudgetNamesTheBatch) {
  const std::string mlp = std::string(LOOM_SOURCE_DIR) + "/resources/examples/cnn.loom";
  auto m = loadModel(mlp);
  ASSERT_TRUE(m.hasValue());
  GraphAnalysis a = analyzeGraph(m->graph, OpRegistry::global(), 10000000);
  ASSERT_FALSE(a.status.isOk());
  EXPECT_NE(a.status.message().find("at batch size 10000000"), std::string::npos)
      << a.status.message();
}
