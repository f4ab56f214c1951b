// The op harness's cases: one entry per op (op_cases.cpp), the only place a test names an
// op. The harness tests (ops_coverage_test, ops_torch_test, ops_gradcheck_test,
// ops_backends_test) take the list of ops from OpRegistry::global() and look each one up
// here; an op registered without an entry fails ops_coverage_test, naming it.
//
// Random cases are drawn from a generator seeded by the op's name, so a failure is
// reproducible; every returned case passes the op's shape inference.
#pragma once

#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "op_backends.h"
#include "op_case.h"

namespace loom::test {

/// Small: tensors of a few dozen elements (finite differences perturb every element).
/// Normal: the sizes compared with PyTorch and across backends, plus the fixed cases.
enum class CaseSize { Small, Normal };

/// How one op is tested.
struct OpCaseSet {
  std::string op;
  /// Draws random case number `index` (cycle modes with it). nullptr: the op has no
  /// kernel to test, and `noKernelBecause` says why.
  OpCase (*draw)(std::mt19937_64& gen, CaseSize size, int index) = nullptr;
  InputFill fill = InputFill::Uniform;
  int normalCount = 6;  ///< random Normal cases (compared with PyTorch and across backends)
  int smallCount = 4;   ///< random Small cases (finite differences)
  /// Hand-picked Normal cases: shapes of the example models, edge attribute values.
  std::vector<OpCase> fixed;
  /// PyTorch cannot reproduce the op's training mode (Dropout's masks are Loom's own):
  /// training cases are compared with PyTorch in inference mode.
  bool torchInferenceOnly = false;
  std::string noKernelBecause;
};

/// Every entry, in the registry's order.
const std::vector<OpCaseSet>& caseTable();
/// The entry for `op`, or nullptr.
const OpCaseSet* findCaseSet(const std::string& op);

/// The cases of `op`: for Normal, the fixed cases then normalCount random ones; for Small,
/// smallCount random ones. Empty when the op has no entry or no kernel.
std::vector<OpCase> casesFor(const std::string& op, CaseSize size);

/// Every registered op, in registration order, except those whose entry says they have no
/// kernel: the parameter list of the per-op harness tests. An op without an entry is in
/// it (and its tests fail for want of cases).
std::vector<std::string> opsUnderTest();

/// One op on one backend: the parameter of the per-(op, backend) harness tests.
struct OpOnBackend {
  std::string op, backend;
  /// "Conv2D_cpu": the test's name suffix.
  std::string name() const { return op + "_" + backend; }
};
/// How GoogleTest prints the parameter in a failure ("GELU_cpu").
inline void PrintTo(const OpOnBackend& p, std::ostream* os) {
  *os << p.name();
}
/// opsUnderTest() x backendNames(), without "reference" unless `withReference`.
std::vector<OpOnBackend> opsOnBackends(bool withReference);

}  // namespace loom::test
