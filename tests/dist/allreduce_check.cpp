// Run under mpirun (np 2 and 3, tests/dist/CMakeLists.txt): the MPI Communicator and the
// bucketed gradient averaging against sums computed by hand. Every value is a small integer
// plus a multiple of 1/4, so each sum is exact in float and must match exactly.
//
//   rank r, element i:  v(r, i) = (r + 1) + (i % 13) / 4
//   sum over N ranks:   N (N + 1) / 2 + N (i % 13) / 4
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "engine/dist/gradient_sync.h"
#include "engine/dist/mpi/mpi_communicator.h"

using namespace loom;

namespace {
int g_failures = 0;

void expect(bool ok, const char* what, long i, double got, double want, int rank) {
  if (ok) return;
  if (++g_failures <= 10)
    std::fprintf(stderr, "rank %d: %s: element %ld is %.9g, expected %.9g\n", rank, what, i, got,
                 want);
}

float value(int rank, long i) {
  return static_cast<float>(rank + 1) + static_cast<float>(i % 13) / 4.0f;
}
double handSum(int n, long i) {
  return n * (n + 1) / 2.0 + n * static_cast<double>(i % 13) / 4.0;
}

void checkStatus(const Status& st, const char* what) {
  if (st) return;
  std::fprintf(stderr, "%s failed: %s\n", what, st.message().c_str());
  std::exit(1);
}

/// Sum and average of buffers of odd and edge-case lengths (0 included: an empty bucket is
/// still a collective call and must not desynchronise the ranks).
void checkAllreduce(Communicator& c) {
  const int n = c.size(), r = c.rank();
  for (long len : {0L, 1L, 3L, 7L, 1001L, 65537L}) {
    std::vector<float> v(static_cast<size_t>(len));
    for (long i = 0; i < len; ++i) v[static_cast<size_t>(i)] = value(r, i);
    checkStatus(c.allreduce(v, ReduceOp::Sum), "allreduce sum");
    for (long i = 0; i < len; ++i)
      expect(v[static_cast<size_t>(i)] == handSum(n, i), "sum", i, v[static_cast<size_t>(i)],
             handSum(n, i), r);
    for (long i = 0; i < len; ++i) v[static_cast<size_t>(i)] = value(r, i);
    checkStatus(c.allreduce(v, ReduceOp::Average), "allreduce average");
    for (long i = 0; i < len; ++i) {
      const double want = handSum(n, i) / n;
      const double got = v[static_cast<size_t>(i)];
      expect(std::abs(got - want) <= 1e-6 * std::abs(want), "average", i, got, want, r);
    }
  }
}

/// Broadcast from the first and the last rank.
void checkBroadcast(Communicator& c) {
  for (int root : {0, c.size() - 1}) {
    std::vector<float> v(5);
    for (long i = 0; i < 5; ++i) v[static_cast<size_t>(i)] = value(c.rank(), i);
    checkStatus(c.broadcast(v, root), "broadcast");
    for (long i = 0; i < 5; ++i)
      expect(v[static_cast<size_t>(i)] == value(root, i), "broadcast", i, v[static_cast<size_t>(i)],
             value(root, i), c.rank());
  }
}

/// Gradients of 4 parameters (one a buffer, which is not averaged) through buckets of 1, 2,
/// 3 and 1000 floats: buckets that split parameters, and one larger than everything.
void checkBucketedSync(const std::shared_ptr<Communicator>& c) {
  const int n = c->size(), r = c->rank();
  for (long bucketFloats : {1L, 2L, 3L, 1000L}) {
    std::vector<Parameter> params;
    for (long numel : {3L, 5L, 4L, 1L}) {
      Parameter p;
      p.name = "p" + std::to_string(params.size());
      p.value = Tensor({numel});
      p.grad = Tensor({numel});
      params.push_back(std::move(p));
    }
    params[2].trainable = false;  // a buffer: keeps its own values
    params[2].grad = Tensor();
    long offset = 0;  // position in the concatenation of trainable gradients
    for (Parameter& p : params) {
      for (long i = 0; i < p.value.numel(); ++i) p.value.f32()[i] = value(r, i);
      if (!p.trainable) continue;
      for (long i = 0; i < p.grad.numel(); ++i) p.grad.f32()[i] = value(r, offset + i);
      offset += p.grad.numel();
    }
    auto sync = makeBucketedGradientSync(c, bucketFloats * 4);
    checkStatus(sync->allreduceMean(params), "allreduceMean");
    checkStatus(sync->allreduceMean(params), "allreduceMean (again: mean of equal values)");
    offset = 0;
    for (const Parameter& p : params) {
      if (!p.trainable) continue;
      for (long i = 0; i < p.grad.numel(); ++i) {
        const double want = handSum(n, offset + i) / n, got = p.grad.f32()[i];
        expect(std::abs(got - want) <= 1e-6 * want, "bucketed mean", offset + i, got, want, r);
      }
      offset += p.grad.numel();
    }
    checkStatus(sync->broadcastParameters(params), "broadcastParameters");
    for (const Parameter& p : params)
      for (long i = 0; i < p.value.numel(); ++i)
        expect(p.value.f32()[i] == value(0, i), "broadcastParameters", i, p.value.f32()[i],
               value(0, i), r);
  }
  auto none = planGradientBuckets(0, 4);
  expect(none && none->empty(), "no buckets for no gradients", 0, 0, 0, r);
  auto odd = planGradientBuckets(10, 12);  // 3 floats per bucket: 3 + 3 + 3 + 1
  expect(odd && odd->size() == 4 && odd->back().first == 9 && odd->back().count == 1,
         "bucket plan of 10 floats in 3s", 0, odd ? static_cast<double>(odd->size()) : -1, 4, r);
  expect(!planGradientBuckets(10, 3), "a bucket below one float is refused", 0, 0, 0, r);
}
}  // namespace

int main(int argc, char** argv) {
  auto created = MpiCommunicator::create(&argc, &argv);
  checkStatus(created.status(), "MpiCommunicator::create");
  std::shared_ptr<MpiCommunicator> c = *created;
  const int expected = argc > 1 ? std::atoi(argv[1]) : 0;
  if (c->size() != expected) {
    std::fprintf(stderr, "world size %d, expected %d\n", c->size(), expected);
    return 1;
  }
  checkAllreduce(*c);
  checkBroadcast(*c);
  checkBucketedSync(c);
  checkStatus(c->barrier(), "barrier");
  // Every rank's verdict: the test passes only if no rank failed.
  float failures[1] = {static_cast<float>(g_failures)};
  checkStatus(c->allreduce(failures, ReduceOp::Sum), "allreduce of the verdicts");
  if (c->rank() == 0)
    std::printf("%s: %d ranks, %g mismatches\n", failures[0] == 0 ? "PASS" : "FAIL", c->size(),
                failures[0]);
  return failures[0] == 0 ? 0 : 1;
}
