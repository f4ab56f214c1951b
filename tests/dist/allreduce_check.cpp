// Run under mpirun (np 2 and 3, tests/dist/CMakeLists.txt): the MPI Communicator (blocking and
// asynchronous allreduce) and the bucketed gradient averaging, with and without overlap,
// against sums computed by hand. Every value is a small integer
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

/// Asynchronous allreduce: requests of odd and empty lengths in flight together, started in
/// one order and completed in another (by waiting from the last, and by polling), each
/// against the hand sum and bit-identical to the blocking allreduce of the same values.
void checkAsyncAllreduce(Communicator& c) {
  const int n = c.size(), r = c.rank();
  const std::vector<long> lengths = {0L, 1L, 3L, 7L, 0L, 1001L, 65537L};
  for (const ReduceOp op : {ReduceOp::Sum, ReduceOp::Average}) {
    std::vector<std::vector<float>> bufs, blocking;
    for (long len : lengths) {
      std::vector<float> v(static_cast<size_t>(len));
      for (long i = 0; i < len; ++i) v[static_cast<size_t>(i)] = value(r, i);
      blocking.push_back(v);
      checkStatus(c.allreduce(blocking.back(), op), "blocking allreduce");
      bufs.push_back(std::move(v));
    }
    std::vector<AllreduceRequest> requests;
    for (auto& v : bufs) {
      auto q = c.startAllreduce(v, op);
      checkStatus(q.status(), "startAllreduce");
      requests.push_back(*q);
    }
    // The odd ones polled to completion, the others waited for, from the last.
    for (size_t k = 1; k < requests.size(); k += 2) {
      for (;;) {
        auto done = c.testAllreduce(requests[k]);
        checkStatus(done.status(), "testAllreduce");
        if (*done) break;
      }
    }
    for (size_t k = requests.size(); k-- > 0;)
      if (k % 2 == 0) checkStatus(c.waitAllreduce(requests[k]), "waitAllreduce");
    expect(!c.waitAllreduce(requests[0]), "a spent request is refused", 0, 0, 0, r);
    for (size_t k = 0; k < bufs.size(); ++k)
      for (long i = 0; i < lengths[k]; ++i) {
        const double want = op == ReduceOp::Sum ? handSum(n, i) : handSum(n, i) / n;
        const float got = bufs[k][static_cast<size_t>(i)];
        expect(std::abs(got - want) <= (op == ReduceOp::Sum ? 0 : 1e-6 * want), "async allreduce",
               i, got, want, r);
        expect(got == blocking[k][static_cast<size_t>(i)], "async = blocking, bit for bit", i, got,
               blocking[k][static_cast<size_t>(i)], r);
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

std::vector<Parameter> copyOf(const std::vector<Parameter>& params) {
  std::vector<Parameter> out;
  for (const Parameter& p : params)
    out.push_back(
        {p.name, p.value.clone(), p.grad.numel() ? p.grad.clone() : Tensor(), p.trainable});
  return out;
}

/// Every trainable gradient must be the mean over the ranks of the values set below.
void checkMeans(const std::vector<Parameter>& params, int n, int r, const char* what) {
  long offset = 0;
  for (const Parameter& p : params) {
    if (!p.trainable) continue;
    for (long i = 0; i < p.grad.numel(); ++i) {
      const double want = handSum(n, offset + i) / n, got = p.grad.f32()[i];
      expect(std::abs(got - want) <= 1e-6 * want, what, offset + i, got, want, r);
    }
    offset += p.grad.numel();
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
    const std::vector<Parameter> original = copyOf(params);
    auto sync = makeBucketedGradientSync(c, bucketFloats * 4);
    checkStatus(sync->allreduceMean(params), "allreduceMean");
    checkStatus(sync->allreduceMean(params), "allreduceMean (again: mean of equal values)");
    checkMeans(params, n, r, "bucketed mean");
    // Overlapped: the same buckets started as backward would finish the parameters (last
    // first), one at a time, with polls in between; then the rest at the end.
    std::vector<Parameter> overlapped = copyOf(original);
    auto async = makeBucketedGradientSync(c, bucketFloats * 4);
    for (int round = 0; round < 2; ++round) {
      checkStatus(async->beginOverlap(overlapped), "beginOverlap");
      for (size_t k = overlapped.size(); k-- > 1;)
        checkStatus(async->gradientsReady(overlapped, k, 1), "gradientsReady");
      checkStatus(async->gradientsReady(overlapped, 0, 0), "gradientsReady (a node without)");
      checkStatus(async->finishOverlap(overlapped), "finishOverlap");  // parameter 0 left
      expect(async->bucketTimings().size() ==
                 static_cast<size_t>((9 + bucketFloats - 1) / bucketFloats),
             "one timing per bucket", 0, static_cast<double>(async->bucketTimings().size()), 0, r);
      expect(async->bucketTimings().front().bucket + 1 ==
                 static_cast<int>(async->bucketTimings().size()),
             "the last bucket starts first", 0, async->bucketTimings().front().bucket, 0, r);
    }
    checkMeans(overlapped, n, r, "overlapped bucketed mean");
    for (size_t k = 0; k < params.size(); ++k)
      for (long i = 0; params[k].trainable && i < params[k].grad.numel(); ++i)
        expect(overlapped[k].grad.f32()[i] == params[k].grad.f32()[i],
               "overlapped = allreduceMean, bit for bit", i, overlapped[k].grad.f32()[i],
               params[k].grad.f32()[i], r);
    checkStatus(sync->broadcastParameters(params), "broadcastParameters");
    for (const Parameter& p : params)
      for (long i = 0; i < p.value.numel(); ++i)
        expect(p.value.f32()[i] == value(0, i), "broadcastParameters", i, p.value.f32()[i],
               value(0, i), r);
  }
  // No trainable gradient at all (everything frozen): no bucket, nothing started.
  std::vector<Parameter> frozen(1);
  frozen[0].value = Tensor({2});
  frozen[0].trainable = false;
  auto empty = makeBucketedGradientSync(c, 4);
  checkStatus(empty->beginOverlap(frozen), "beginOverlap (no gradients)");
  checkStatus(empty->gradientsReady(frozen, 0, 1), "gradientsReady (no gradients)");
  checkStatus(empty->finishOverlap(frozen), "finishOverlap (no gradients)");
  expect(empty->bucketTimings().empty(), "no bucket without gradients", 0, 0, 0, r);
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
  checkAsyncAllreduce(*c);
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
