#include "engine/dist/gradient_sync.h"

namespace loom {

namespace {
class LocalGradientSync final : public GradientSync {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  Status allreduceMean(std::vector<Parameter>&) override { return Status::ok(); }
  Status broadcastParameters(std::vector<Parameter>&) override { return Status::ok(); }
};
}  // namespace

std::unique_ptr<GradientSync> makeLocalGradientSync() {
  return std::make_unique<LocalGradientSync>();
}

}  // namespace loom
