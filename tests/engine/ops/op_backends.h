// The backends the op harness runs every op on (op_backends.cpp holds the list).
//
// "reference" (each op's own kernels) is the ground truth and comes first; every other
// backend is compared with it, with PyTorch and with finite differences. A backend that
// declines a case (Unsupported, with its reason) is reported as skipping it, never as a
// failure: the executor falls back to the next backend there. A backend whose device is
// absent (a GPU backend on a machine without one) declines everything the same way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/backends/backend.h"

namespace loom::test {

/// Names of the backends under test, reference first.
std::vector<std::string> backendNames();
/// The process-wide instance of backend `name`; nullptr for a name not in backendNames().
Backend* backendNamed(const std::string& name);

}  // namespace loom::test
