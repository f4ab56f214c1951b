// The reference backend: wraps each Op's own forward/backward. Slow, simple, always right.
#include "engine/backends/backend.h"

namespace loom {

namespace {
class ReferenceKernel final : public Kernel {
 public:
  explicit ReferenceKernel(const Op* op) : m_op(op) {}
  std::string implName() const override { return "reference"; }
  Status forward(KernelArgs& args) override { return m_op->forward(args); }
  Status backward(KernelArgs& args) override { return m_op->backward(args); }

 private:
  const Op* m_op;
};

class ReferenceBackend final : public Backend {
 public:
  std::string name() const override { return "reference"; }
  Expected<std::unique_ptr<Kernel>> createKernel(const KernelRequest& request) override {
    return std::unique_ptr<Kernel>(std::make_unique<ReferenceKernel>(request.op));
  }
};
}  // namespace

std::unique_ptr<Backend> makeReferenceBackend() {
  return std::make_unique<ReferenceBackend>();
}

}  // namespace loom
