#include "engine/data/dataset_registry.h"

#include "engine/data/csv.h"
#include "engine/proto/loom.pb.h"

namespace loom {

DatasetRegistry& DatasetRegistry::global() {
  static DatasetRegistry* registry = [] {
    auto* r = new DatasetRegistry;  // never destroyed: plugins may hold pointers at exit
    registerBuiltinDatasets(*r);
    return r;
  }();
  return *registry;
}

Status DatasetRegistry::add(DatasetKind kind) {
  if (kind.name.empty()) return invalidArgument("a dataset kind needs a name");
  if (!kind.load) return invalidArgument("dataset kind \"" + kind.name + "\" has no loader");
  if (const DatasetKind* old = find(kind.name))
    return invalidArgument("dataset kind \"" + kind.name + "\" from " + kind.origin +
                           " is already registered by " + old->origin);
  m_kinds.push_back(std::make_unique<DatasetKind>(std::move(kind)));
  return Status::ok();
}

const DatasetKind* DatasetRegistry::find(const std::string& name) const {
  for (const auto& k : m_kinds)
    if (k->name == name) return k.get();
  return nullptr;
}

std::vector<const DatasetKind*> DatasetRegistry::all() const {
  std::vector<const DatasetKind*> v;
  v.reserve(m_kinds.size());
  for (const auto& k : m_kinds) v.push_back(k.get());
  return v;
}

std::string DatasetRegistry::namesForMessage() const {
  std::string s;
  for (const auto& k : m_kinds) s += (s.empty() ? "" : ", ") + k->name;
  return s;
}

void registerBuiltinDatasets(DatasetRegistry& registry) {
  if (registry.find("fashion_mnist")) return;
  auto idx = [](const pb::DatasetConfig& c, Split s) { return loadFashionMnist(c.path(), s); };
  (void)registry.add(
      {"fashion_mnist", "Fashion-MNIST IDX files (Debian's dataset-fashion-mnist)", idx});
  (void)registry.add(
      {"idx", "any MNIST-style directory of {train,t10k}-{images,labels} IDX files", idx});
  DatasetKind csv;
  csv.name = "csv";
  csv.description = "one CSV file: feature columns, then an integer label column";
  csv.load = [](const pb::DatasetConfig& c, Split s) -> Expected<Dataset> {
    if (s == Split::Test) return notFound("CSV data sets have no test split");
    return readCsv(c.path());
  };
  csv.hasTestSplit = false;
  csv.normalization = DatasetNormalization::FeatureStandardize;
  (void)registry.add(std::move(csv));
}

Expected<Dataset> loadDataset(const pb::DatasetConfig& config, Split split) {
  const DatasetKind* kind = DatasetRegistry::global().find(config.kind());
  if (!kind)
    return invalidArgument("dataset kind \"" + config.kind() +
                           "\" is not one of: " + DatasetRegistry::global().namesForMessage());
  return kind->load(config, split);
}

}  // namespace loom
