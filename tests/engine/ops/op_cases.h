// Random test cases per op: shapes and attributes drawn from a seeded generator so a
// failure is reproducible. Every returned case passes shape inference.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "op_test_util.h"

namespace loom::test {

/// The ops the generators know (every built-in op except Input).
const std::vector<std::string>& testedOps();

/// `count` random cases of `op`. `small` keeps tensors tiny (for finite differences).
std::vector<OpCase> randomCases(const std::string& op, int count, std::mt19937_64& gen, bool small);

}  // namespace loom::test
