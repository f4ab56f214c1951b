#include "engine/graph/upgrade.h"

#include <string>

namespace loom {

namespace {
// Version 1 -> 2: Conv2D/MaxPool2D/AvgPool2D attribute "strides" was renamed "stride"
// (Keras spells it strides, PyTorch stride; Loom follows PyTorch with a single name).
void upgrade1to2(pb::Model& model) {
  for (auto& node : *model.mutable_graph()->mutable_node())
    for (auto& attr : *node.mutable_attr())
      if (attr.name() == "strides") attr.set_name("stride");
}
}  // namespace

Status upgradeModelProto(pb::Model& model, int target) {
  int version = model.format_version() == 0 ? 1 : model.format_version();
  if (version > target)
    return {ErrorCode::Unsupported, "format_version " + std::to_string(version) +
                                        " is newer than this Loom understands (" +
                                        std::to_string(target) + "); update Loom"};
  if (version == 1 && target >= 2) {
    upgrade1to2(model);
    version = 2;
  }
  // Version 2 -> 3 adds `parameter_file` (parameters in a binary sidecar); a version-2 file
  // has none, so it reads unchanged. The step exists so an older Loom refuses a version-3
  // file as newer instead of failing on the unknown field.
  if (version == 2 && target >= 3) version = 3;
  model.set_format_version(version);
  return Status::ok();
}

}  // namespace loom
