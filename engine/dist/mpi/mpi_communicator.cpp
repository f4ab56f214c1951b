#include "engine/dist/mpi/mpi_communicator.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace loom {

namespace {
/// MPI counts are int: larger buffers go in chunks (same chunks on every rank).
constexpr size_t kMaxChunk = static_cast<size_t>(INT_MAX);
}  // namespace

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
  std::shared_ptr<MpiCommunicator> c(new MpiCommunicator());
  MPI_Comm_rank(MPI_COMM_WORLD, &c->m_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &c->m_size);
  char host[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  MPI_Get_processor_name(host, &length);
  c->m_host.assign(host, static_cast<size_t>(length));
  return c;
}

MpiCommunicator::~MpiCommunicator() {
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
  if (data.empty())  // still a collective call: every rank stays in step
    return check(MPI_Allreduce(MPI_IN_PLACE, nullptr, 0, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
                 "MPI_Allreduce");
  for (size_t first = 0; first < data.size(); first += kMaxChunk) {
    const size_t n = std::min(kMaxChunk, data.size() - first);
    LOOM_RETURN_IF_ERROR(check(MPI_Allreduce(MPI_IN_PLACE, data.data() + first, static_cast<int>(n),
                                             MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
                               "MPI_Allreduce"));
  }
  if (op == ReduceOp::Average && m_size > 1) {
    const float scale = 1.0f / static_cast<float>(m_size);
    for (float& v : data) v *= scale;
  }
  return Status::ok();
}

Status MpiCommunicator::broadcast(std::span<float> data, int root) {
  return broadcastBytes(std::as_writable_bytes(data), root);
}

Status MpiCommunicator::broadcastBytes(std::span<std::byte> data, int root) {
  if (root < 0 || root >= m_size)
    return invalidArgument("broadcast root " + std::to_string(root) + " is outside [0, " +
                           std::to_string(m_size) + ") ranks");
  if (data.empty())
    return check(MPI_Bcast(nullptr, 0, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  for (size_t first = 0; first < data.size(); first += kMaxChunk) {
    const size_t n = std::min(kMaxChunk, data.size() - first);
    LOOM_RETURN_IF_ERROR(
        check(MPI_Bcast(data.data() + first, static_cast<int>(n), MPI_BYTE, root, MPI_COMM_WORLD),
              "MPI_Bcast"));
  }
  return Status::ok();
}

Status MpiCommunicator::barrier() {
  return check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

void MpiCommunicator::abortJob(int exitCode) {
  MPI_Abort(MPI_COMM_WORLD, exitCode);
  std::_Exit(exitCode);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

}  // namespace loom
