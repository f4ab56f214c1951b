#include "engine/dist/mpi/mpi_communicator.h"

#include <malloc.h>
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "engine/dist/mpi/stall_watch.h"

namespace loom {

namespace {
/// MPI counts are int: larger buffers go in chunks (same chunks on every rank).
constexpr size_t kMaxChunk = static_cast<size_t>(INT_MAX);

/// Open MPI's non-blocking allreduce (coll/libnbc) mallocs a temporary buffer of the message's
/// size at every start and frees it at completion. glibc serves such blocks by mmap, or trims
/// them from the heap once more than its trim threshold is free, so with several buckets in
/// flight every start page-faults fresh memory: 3 ms per MiB bucket on this machine's VM,
/// 0.06 ms with the memory kept (docs/distributed.md, "Overlap"). Keeping freed memory up to
/// 32 MiB blocks in the heap (glibc's largest mmap threshold) costs a worker its peak heap.
void keepFreedMemoryMapped() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}
}  // namespace

struct MpiCommunicator::Pending {
  std::span<float> data;
  ReduceOp op = ReduceOp::Sum;
  struct Chunk {
    MPI_Request request = MPI_REQUEST_NULL;
    long long sequence = 0;  ///< the StallWatch's number of the call
    bool done = false;
  };
  std::vector<Chunk> chunks;
};

Expected<std::shared_ptr<MpiCommunicator>> MpiCommunicator::create(int* argc, char*** argv) {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return Status(ErrorCode::Unsupported, "MPI was already finalised");
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      return Status(ErrorCode::Internal, "MPI_Init_thread failed");
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  keepFreedMemoryMapped();
  std::shared_ptr<MpiCommunicator> c(new MpiCommunicator());
  MPI_Comm_rank(MPI_COMM_WORLD, &c->m_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &c->m_size);
  char host[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_Get_processor_name(host, &length);
  c->m_host.assign(host, static_cast<size_t>(length));
  // Every rank's host, once, so a report can name the host of a rank that stopped answering.
  std::vector<char> all(static_cast<size_t>(MPI_MAX_PROCESSOR_NAME) * c->m_size, '\0');
  if (int rc = MPI_Allgather(host, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, all.data(),
                             MPI_MAX_PROCESSOR_NAME, MPI_CHAR, MPI_COMM_WORLD);
      rc != MPI_SUCCESS)
    return c->check(rc, "MPI_Allgather");
  for (int r = 0; r < c->m_size; ++r)
    c->m_hosts.emplace_back(all.data() + static_cast<size_t>(r) * MPI_MAX_PROCESSOR_NAME);
  c->m_watch = std::make_unique<StallWatch>(MPI_COMM_WORLD, c->m_hosts);
  return c;
}

MpiCommunicator::~MpiCommunicator() {
  // Requests still in flight (a failed step) are abandoned: MPI_Finalize or MPI_Abort ends them.
  m_pending.clear();
  m_watch.reset();  // frees its communicator before MPI_Finalize
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

Status MpiCommunicator::check(int rc, const char* what) const {
  if (rc == MPI_SUCCESS) return Status::ok();
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(rc, text, &length);
  return Status(ErrorCode::Internal, std::string(what) + " failed on rank " +
                                         std::to_string(m_rank) + " (" + m_host +
                                         "): " + std::string(text, static_cast<size_t>(length)));
}

Status MpiCommunicator::allreduce(std::span<float> data, ReduceOp op) {
  LOOM_ASSIGN_OR_RETURN(const AllreduceRequest request, startAllreduce(data, op));
  return waitAllreduce(request);
}

Expected<AllreduceRequest> MpiCommunicator::startAllreduce(std::span<float> data, ReduceOp op) {
  auto p = std::make_unique<Pending>();
  p->data = data;
  p->op = op;
  // An empty span is still a collective call (one of 0 floats): every rank stays in step.
  for (size_t first = 0; first == 0 || first < data.size(); first += kMaxChunk) {
    const size_t n = std::min(kMaxChunk, data.size() - first);
    Pending::Chunk& c = p->chunks.emplace_back();
    c.sequence = m_watch->begin();
    LOOM_RETURN_IF_ERROR(
        check(MPI_Iallreduce(MPI_IN_PLACE, n ? data.data() + first : nullptr, static_cast<int>(n),
                             MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &c.request),
              "MPI_Iallreduce"));
  }
  const AllreduceRequest request{m_nextRequest++};
  m_pending.emplace(request.id, std::move(p));
  return request;
}

Expected<MpiCommunicator::Pending*> MpiCommunicator::pending(AllreduceRequest request) {
  auto it = m_pending.find(request.id);
  if (it == m_pending.end())
    return invalidArgument("allreduce request " + std::to_string(request.id) +
                           " is not in flight (never started, or already completed)");
  return it->second.get();
}

void MpiCommunicator::complete(AllreduceRequest request) {
  auto it = m_pending.find(request.id);
  Pending& p = *it->second;
  if (p.op == ReduceOp::Average && m_size > 1) {
    const float scale = 1.0f / static_cast<float>(m_size);
    for (float& v : p.data) v *= scale;
  }
  m_pending.erase(it);
}

Expected<bool> MpiCommunicator::testAllreduce(AllreduceRequest request) {
  LOOM_ASSIGN_OR_RETURN(Pending* const p, pending(request));
  bool all = true;
  for (Pending::Chunk& c : p->chunks) {
    if (!c.done) {
      LOOM_ASSIGN_OR_RETURN(c.done, m_watch->test(c.request, "MPI_Iallreduce"));
    }
    all = all && c.done;
  }
  if (all) complete(request);
  return all;
}

Status MpiCommunicator::waitAllreduce(AllreduceRequest request) {
  LOOM_ASSIGN_OR_RETURN(Pending* const p, pending(request));
  for (Pending::Chunk& c : p->chunks) {
    if (!c.done) LOOM_RETURN_IF_ERROR(m_watch->wait(c.request, c.sequence, "MPI_Iallreduce"));
    c.done = true;
  }
  complete(request);
  return Status::ok();
}

Status MpiCommunicator::broadcast(std::span<float> data, int root) {
  return broadcastBytes(std::as_writable_bytes(data), root);
}

Status MpiCommunicator::broadcastBytes(std::span<std::byte> data, int root) {
  if (root < 0 || root >= m_size)
    return invalidArgument("broadcast root " + std::to_string(root) + " is outside [0, " +
                           std::to_string(m_size) + ") ranks");
  for (size_t first = 0; first == 0 || first < data.size(); first += kMaxChunk) {
    const size_t n = std::min(kMaxChunk, data.size() - first);
    MPI_Request request = MPI_REQUEST_NULL;
    LOOM_RETURN_IF_ERROR(check(MPI_Ibcast(n ? data.data() + first : nullptr, static_cast<int>(n),
                                          MPI_BYTE, root, MPI_COMM_WORLD, &request),
                               "MPI_Ibcast"));
    LOOM_RETURN_IF_ERROR(m_watch->wait(request, "MPI_Ibcast"));
  }
  return Status::ok();
}

Status MpiCommunicator::barrier() {
  MPI_Request request = MPI_REQUEST_NULL;
  LOOM_RETURN_IF_ERROR(check(MPI_Ibarrier(MPI_COMM_WORLD, &request), "MPI_Ibarrier"));
  return m_watch->wait(request, "MPI_Ibarrier");
}

std::string MpiCommunicator::hostOf(int rank) const {
  if (rank < 0 || rank >= m_size) return "no host (rank " + std::to_string(rank) + ")";
  return m_hosts[static_cast<size_t>(rank)];
}

void MpiCommunicator::setStallTimeout(double seconds) {
  m_watch->setTimeout(seconds);
}

void MpiCommunicator::setActivity(std::string what) {
  m_watch->setActivity(std::move(what));
}

void MpiCommunicator::abortJob(int exitCode) {
  MPI_Abort(MPI_COMM_WORLD, exitCode);
  std::_Exit(exitCode);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

}  // namespace loom
