#include "engine/dist/communicator.h"

#include <unistd.h>

namespace loom {

std::string Communicator::hostName() const {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown host";
  return buf;
}

std::string Communicator::hostOf(int) const {
  return hostName();
}

Expected<AllreduceRequest> Communicator::startAllreduce(std::span<float> data, ReduceOp op) {
  LOOM_RETURN_IF_ERROR(allreduce(data, op));
  return AllreduceRequest{1};  // already complete: any non-empty handle will do
}

Expected<bool> Communicator::testAllreduce(AllreduceRequest request) {
  if (request.id == 0) return invalidArgument("testAllreduce() of an empty request");
  return true;
}

Status Communicator::waitAllreduce(AllreduceRequest request) {
  return testAllreduce(request).status();
}

namespace {
class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "local"; }
  Status allreduce(std::span<float>, ReduceOp) override { return Status::ok(); }
  Status broadcast(std::span<float>, int root) override { return checkRoot(root); }
  Status broadcastBytes(std::span<std::byte>, int root) override { return checkRoot(root); }
  Status barrier() override { return Status::ok(); }

 private:
  static Status checkRoot(int root) {
    if (root != 0)
      return invalidArgument("broadcast root " + std::to_string(root) + " is outside [0, 1) ranks");
    return Status::ok();
  }
};
}  // namespace

std::unique_ptr<Communicator> makeLocalCommunicator() {
  return std::make_unique<LocalCommunicator>();
}

}  // namespace loom
