// Coverage of the op harness: the list of ops comes from OpRegistry::global(), and every
// registered op must have cases in tests/engine/ops/op_cases.cpp, so no op escapes the
// PyTorch, finite-difference and backend tests. An op without an entry fails here, named.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "op_cases.h"

using namespace loom;
using namespace loom::test;

TEST(OpCoverage, EveryRegisteredOpHasCases) {
  ASSERT_FALSE(OpRegistry::global().all().empty());
  for (const Op* op : OpRegistry::global().all()) {
    const std::string& name = op->schema().name;
    const OpCaseSet* set = findCaseSet(name);
    if (!set) {
      ADD_FAILURE()
          << "op \"" << name
          << "\" is registered but has no cases in tests/engine/ops/op_cases.cpp, "
          << "so no test compares it with PyTorch, finite differences or the reference kernel "
          << "(docs/howto/add-an-op.md says how to add them)";
      continue;
    }
    if (!set->draw) {
      EXPECT_FALSE(set->noKernelBecause.empty()) << name << ": an entry without cases must say why";
      std::printf("[ no kernel ] %s: %s\n", name.c_str(), set->noKernelBecause.c_str());
      continue;
    }
    const auto normal = casesFor(name, CaseSize::Normal);
    const auto small = casesFor(name, CaseSize::Small);
    EXPECT_GT(set->normalCount, 0) << name;
    EXPECT_GT(set->smallCount, 0) << name;
    // Fewer means the draw keeps producing windows that do not fit its inputs.
    EXPECT_EQ(normal.size(), set->fixed.size() + static_cast<size_t>(set->normalCount))
        << name << ": too few Normal cases pass shape inference";
    EXPECT_EQ(small.size(), static_cast<size_t>(set->smallCount))
        << name << ": too few Small cases";
    if (op->hasTrainingMode()) {  // both modes, for the comparisons and for finite differences
      for (const auto* cases : {&normal, &small}) {
        std::set<bool> modes;
        for (const OpCase& c : *cases) modes.insert(c.training);
        EXPECT_EQ(modes.size(), 2u)
            << name << " behaves differently in training: its cases need both modes";
      }
    }
    std::printf("[ cases ] %s: %zu normal, %zu small\n", name.c_str(), normal.size(), small.size());
  }
}

TEST(OpCoverage, EveryCaseTableEntryNamesARegisteredOp) {
  std::set<std::string> seen;
  for (const OpCaseSet& set : caseTable()) {
    EXPECT_NE(OpRegistry::global().find(set.op), nullptr)
        << "tests/engine/ops/op_cases.cpp has cases for \"" << set.op
        << "\", which is not a registered op";
    EXPECT_TRUE(seen.insert(set.op).second) << "two entries for " << set.op;
  }
}

TEST(OpCoverage, TheHarnessRunsEveryRegisteredOpWithAKernel) {
  const auto ops = opsUnderTest();
  for (const Op* op : OpRegistry::global().all()) {
    const OpCaseSet* set = findCaseSet(op->schema().name);
    const bool listed = std::find(ops.begin(), ops.end(), op->schema().name) != ops.end();
    EXPECT_EQ(listed, !set || set->draw) << op->schema().name;
  }
  EXPECT_FALSE(backendNames().empty());
  EXPECT_EQ(backendNames().front(), "reference");
  for (const std::string& b : backendNames()) EXPECT_NE(backendNamed(b), nullptr) << b;
}
