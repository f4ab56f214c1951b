#include "widgets/document/document.h"

#include <google/protobuf/util/message_differencer.h>

#include <QFutureWatcher>
#include <QRegularExpression>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <set>

#include "engine/core/exception_boundary.h"
#include "engine/train/settings.h"
#include "widgets/document/document_commands.h"
#include "widgets/shell/background.h"

namespace loom::studio {

namespace {

std::string str(const QString& s) {
  return s.toStdString();
}
QString qstr(const std::string& s) {
  return QString::fromStdString(s);
}

Status refused(ErrorCode code, const std::string& msg) {
  return Status(code, msg);
}

/// Starting values for required attributes, so a freshly dropped node is valid where it
/// can be. Known ops get the values a person would usually type first; anything else gets
/// the smallest value the schema allows.
AttrValue startingValue(const OpSchema& schema, const AttrSpec& spec) {
  if (schema.name == "Input" && spec.name == "shape") return std::vector<std::int64_t>{1, 28, 28};
  if (schema.name == "Conv2D" && spec.name == "filters") return std::int64_t{32};
  if (schema.name == "Dense" && spec.name == "units") return std::int64_t{64};
  if (schema.name == "Reshape" && spec.name == "shape") return std::vector<std::int64_t>{-1};
  const auto lo = static_cast<std::int64_t>(spec.min.value_or(1));
  switch (spec.type) {
    case AttrType::Int:
      return std::max<std::int64_t>(lo, 1);
    case AttrType::Float:
      return spec.min.value_or(0.0);
    case AttrType::Bool:
      return false;
    case AttrType::String:
      return spec.choices.empty() ? std::string{} : spec.choices.front();
    case AttrType::Ints:
      return std::vector<std::int64_t>(static_cast<size_t>(std::max(spec.tupleSize, 1)),
                                       std::max<std::int64_t>(lo, 3));
    case AttrType::Floats:
      return std::vector<double>{};
  }
  return std::int64_t{0};
}

/// Everything but canvas positions: an edit that changes only this much needs no analysis.
bool sameStructure(const Graph& a, const Graph& b) {
  if (a.output() != b.output() || a.nodes().size() != b.nodes().size()) return false;
  for (size_t i = 0; i < a.nodes().size(); ++i) {
    const Node& x = a.nodes()[i];
    const Node& y = b.nodes()[i];
    if (x.name != y.name || x.op != y.op || x.inputs != y.inputs || x.attrs != y.attrs)
      return false;
  }
  return true;
}

/// "conv2d_7" -> "conv2d": pasted copies are renumbered from the base name.
std::string baseName(const std::string& name) {
  static const QRegularExpression suffix(QStringLiteral("_[0-9]+$"));
  QString base = qstr(name);
  base.remove(suffix);
  return base.isEmpty() ? name : str(base);
}

bool sameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

// ---- analysis on a worker thread ----------------------------------------------------------

namespace {
/// Node name -> index in the analysis' nodes (Document::nodeAnalysis()).
QHash<QString, int> analysisIndex(const Graph& graph, size_t analysed) {
  const auto& nodes = graph.nodes();
  const size_t n = std::min(nodes.size(), analysed);
  QHash<QString, int> index;
  index.reserve(static_cast<qsizetype>(n));
  for (size_t i = 0; i < n; ++i) index.insert(qstr(nodes[i].name), static_cast<int>(i));
  return index;
}
}  // namespace

struct Document::AnalysisRunner {
  struct Result {
    GraphAnalysis analysis;
    QHash<QString, int> index;  // analysisIndex() of the analysed graph, made on the worker
    std::uint64_t structureRevision = 0;
  };
  // A pointer, because QFuture hands results out by copy (or by a move that must be
  // noexcept): a copy of a 100,000-node analysis took 100 ms of the GUI thread.
  QFutureWatcher<std::shared_ptr<Result>> watcher;
  bool dirty = false;  // an edit arrived while the worker was busy
};

Document::Document(QObject* parent)
    : QObject(parent), m_runner(std::make_unique<AnalysisRunner>()) {
  m_model.name = "untitled";
  applyDefaults(m_model);
  m_savedGraph = graphSnapshot();
  m_savedTraining = m_model.training;
  m_savedDataset = m_model.dataset;
  connect(&m_runner->watcher, &QFutureWatcherBase::finished, this, [this] {
    const std::shared_ptr<AnalysisRunner::Result> r = m_runner->watcher.result();
    publishAnalysis(std::move(r->analysis), std::move(r->index), r->structureRevision);
    if (m_runner->dirty) startAnalysis();
  });
  startAnalysis();
}

Document::~Document() {
  m_runner->watcher.waitForFinished();
}

void Document::setAnalysisBatch(std::int64_t batch) {
  if (batch < 1 || batch == m_batch) return;
  m_batch = batch;
  ++m_structureRevision;  // shapes change with the batch
  scheduleAnalysis();
}

void Document::scheduleAnalysis() {
  if (m_runner->watcher.isRunning()) {
    m_runner->dirty = true;  // coalesce: one more run when the current one ends
    return;
  }
  startAnalysis();
}

std::shared_ptr<const Graph> Document::graphSnapshot() const {
  if (!m_snapshot || m_snapshotRevision != m_revision) {
    m_snapshot = std::make_shared<const Graph>(m_model.graph);
    m_snapshotRevision = m_revision;
  }
  return m_snapshot;
}

void Document::startAnalysis() {
  m_runner->dirty = false;
  std::shared_ptr<const Graph> snapshot = graphSnapshot();
  const std::int64_t batch = m_batch;
  const std::uint64_t rev = m_structureRevision;
  m_runner->watcher.setFuture(runInBackground([snapshot = std::move(snapshot), batch, rev] {
    const Graph& copy = *snapshot;
    // The engine reports model errors as statuses; anything that still throws (an allocation
    // the size checks missed) must not take the studio down with unsaved work.
    GraphAnalysis analysis;
    const Status status = guarded("analysing the graph", [&] {
      analysis = analyzeGraph(copy, OpRegistry::global(), batch);
      return Status::ok();
    });
    if (!status.isOk()) analysis = GraphAnalysis{.status = status};
    QHash<QString, int> index = analysisIndex(copy, analysis.nodes.size());
    return std::make_shared<AnalysisRunner::Result>(
        AnalysisRunner::Result{std::move(analysis), std::move(index), rev});
  }));
}

void Document::publishAnalysis(GraphAnalysis analysis, QHash<QString, int> index,
                               std::uint64_t structureRevision) {
  // Only a result for the current graph is published, so analysis() always matches the
  // graph it names; a stale one is dropped (the coalesced re-run follows). The same
  // structure revision means the same node names in the same order, so `index` holds too.
  if (structureRevision != m_structureRevision || structureRevision == m_analysisRevision) return;
  m_analysis = std::move(analysis);
  m_analysisRevision = structureRevision;
  m_analysisIndex = std::move(index);
  emit analysisUpdated();
}

void Document::waitForAnalysis() {
  if (isAnalysisCurrent()) return;
  m_runner->watcher.waitForFinished();
  if (isAnalysisCurrent()) return;
  GraphAnalysis analysis = analyzeGraph(m_model.graph, OpRegistry::global(), m_batch);
  QHash<QString, int> index = analysisIndex(m_model.graph, analysis.nodes.size());
  publishAnalysis(std::move(analysis), std::move(index), m_structureRevision);
}

const NodeAnalysis* Document::nodeAnalysis(const QString& name) const {
  auto it = m_analysisIndex.constFind(name);
  if (it == m_analysisIndex.cend()) return nullptr;
  return &m_analysis.nodes[static_cast<size_t>(*it)];
}

// ---- state changes ---------------------------------------------------------------------------

void Document::applyGraph(const Graph& graph, const QStringList& changedNodes) {
  const bool structural = !sameStructure(m_model.graph, graph);
  m_model.graph = graph;
  ++m_revision;
  if (structural) ++m_structureRevision;
  updateModified();
  emit graphChanged(changedNodes);
  // Positions only: the analysis (and its name index) still holds, so nothing to run.
  if (structural) scheduleAnalysis();
}

void Document::applyTrainingSettings(const pb::TrainingConfig& training,
                                     const pb::DatasetConfig& dataset) {
  m_model.training = training;
  m_model.dataset = dataset;
  updateModified();
  emit trainingSettingsChanged();
}

void Document::updateModified() {
  setModified(!(m_model.graph == *m_savedGraph) ||
              !sameMessage(m_model.training, m_savedTraining) ||
              !sameMessage(m_model.dataset, m_savedDataset));
}

void Document::setModified(bool modified) {
  if (modified == m_modified) return;
  m_modified = modified;
  emit modifiedChanged(modified);
}

void Document::pushEdit(const QString& text, Graph after, const QStringList& changed, int mergeId) {
  if (after == m_model.graph) return;  // nothing to undo
  m_undo.push(new GraphEditCommand(this, text, m_model.graph, std::move(after), changed, mergeId));
}

bool Document::isValidNodeName(const QString& name) {
  static const QRegularExpression re(QStringLiteral("^[A-Za-z_][A-Za-z0-9_./-]*$"));
  return re.match(name).hasMatch();
}

QString Document::uniqueNodeName(const QString& base) const {
  return qstr(m_model.graph.uniqueName(str(base)));
}

// ---- edits -------------------------------------------------------------------------------------

Expected<QString> Document::addNode(const QString& op, QPointF pos) {
  const Op* impl = OpRegistry::global().find(str(op));
  if (!impl)
    return refused(ErrorCode::UnknownOp,
                   "cannot add a node: op \"" + str(op) + "\" is not registered");
  const OpSchema& schema = impl->schema();
  Node node;
  node.op = schema.name;
  node.name = m_model.graph.uniqueName(str(op.toLower()));
  for (const auto& spec : schema.attrs)
    if (spec.required) node.attrs[spec.name] = startingValue(schema, spec);
  node.x = pos.x();
  node.y = pos.y();
  Graph after = m_model.graph;
  LOOM_RETURN_IF_ERROR(after.addNode(node));
  const QString name = qstr(node.name);
  pushEdit(QStringLiteral("Add %1").arg(name), std::move(after), {name});
  return name;
}

Status Document::removeNodes(const QStringList& names) {
  if (names.isEmpty()) return Status::ok();
  Graph after = m_model.graph;
  QStringList changed;
  for (const QString& n : names) {
    if (!after.find(str(n))) {
      if (m_model.graph.find(str(n))) continue;  // listed twice
      return notFound("cannot delete node \"" + str(n) + "\": it does not exist");
    }
    // Consumers lose an input: they change too.
    for (const auto& other : after.nodes())
      if (std::find(other.inputs.begin(), other.inputs.end(), str(n)) != other.inputs.end())
        changed << qstr(other.name);
    after.removeNode(str(n));
    changed << n;
  }
  changed.removeDuplicates();
  pushEdit(names.size() == 1 ? QStringLiteral("Delete %1").arg(names.front())
                             : QStringLiteral("Delete %1 nodes").arg(names.size()),
           std::move(after), changed);
  return Status::ok();
}

Status Document::connectNodes(const QString& from, const QString& to, int port) {
  const Graph& g = m_model.graph;
  const Node* src = g.find(str(from));
  const Node* dst = g.find(str(to));
  if (!src) return notFound("cannot connect: node \"" + str(from) + "\" does not exist");
  if (!dst) return notFound("cannot connect: node \"" + str(to) + "\" does not exist");
  if (from == to)
    return refused(ErrorCode::InvalidGraph, "cannot connect node \"" + str(to) + "\" to itself");
  const int count = static_cast<int>(dst->inputs.size());
  const Op* op = OpRegistry::global().find(dst->op);
  const int maxInputs = op ? op->schema().maxInputs : -1;
  if (port < 0 || (maxInputs >= 0 && port >= maxInputs)) {
    return refused(ErrorCode::InvalidArgument,
                   "cannot connect: " + nodeLabel(*dst) + " has no input port " +
                       std::to_string(port) +
                       (maxInputs == 0 ? " (it takes no inputs)"
                                       : " (ports 0 to " + std::to_string(maxInputs - 1) + ")"));
  }
  if (port < count) {
    return refused(ErrorCode::InvalidGraph,
                   "cannot connect: input port " + std::to_string(port) + " of " + nodeLabel(*dst) +
                       " is already driven by \"" + dst->inputs[static_cast<size_t>(port)] + "\"");
  }
  if (port > count) {
    return refused(ErrorCode::InvalidArgument,
                   "cannot connect: connect input port " + std::to_string(count) + " of " +
                       nodeLabel(*dst) + " before port " + std::to_string(port));
  }
  Graph after = g;
  after.find(str(to))->inputs.push_back(str(from));
  if (auto order = after.topologicalOrder(); !order && g.topologicalOrder()) {
    return refused(ErrorCode::InvalidGraph, "cannot connect \"" + str(from) + "\" to \"" + str(to) +
                                                "\": it would create a cycle (" +
                                                order.status().message() + ")");
  }
  pushEdit(QStringLiteral("Connect %1 to %2").arg(from, to), std::move(after), {from, to});
  return Status::ok();
}

Status Document::disconnect(const QString& to, int port) {
  const Node* dst = m_model.graph.find(str(to));
  if (!dst) return notFound("cannot disconnect: node \"" + str(to) + "\" does not exist");
  if (port < 0 || port >= static_cast<int>(dst->inputs.size()))
    return refused(ErrorCode::InvalidArgument, "cannot disconnect: input port " +
                                                   std::to_string(port) + " of " + nodeLabel(*dst) +
                                                   " is not connected");
  const QString from = qstr(dst->inputs[static_cast<size_t>(port)]);
  Graph after = m_model.graph;
  auto& inputs = after.find(str(to))->inputs;
  inputs.erase(inputs.begin() + port);
  pushEdit(QStringLiteral("Disconnect %1 from %2").arg(from, to), std::move(after), {from, to});
  return Status::ok();
}

Status Document::moveNodes(const QHash<QString, QPointF>& positions) {
  Graph after = m_model.graph;
  QStringList moved;
  for (auto it = positions.cbegin(); it != positions.cend(); ++it) {
    Node* n = after.find(str(it.key()));
    if (!n) return notFound("cannot move node \"" + str(it.key()) + "\": it does not exist");
    if (n->x == it.value().x() && n->y == it.value().y()) continue;
    n->x = it.value().x();
    n->y = it.value().y();
    moved << it.key();
  }
  if (moved.isEmpty()) return Status::ok();
  pushEdit(moved.size() == 1 ? QStringLiteral("Move %1").arg(moved.front())
                             : QStringLiteral("Move %1 nodes").arg(moved.size()),
           std::move(after), moved, GraphEditCommand::kMoveId);
  return Status::ok();
}

Status Document::setAttribute(const QString& node, const QString& attr,
                              const std::optional<AttrValue>& value) {
  const Node* n = m_model.graph.find(str(node));
  if (!n) return notFound("cannot set attribute: node \"" + str(node) + "\" does not exist");
  const Op* op = OpRegistry::global().find(n->op);
  if (!op)
    return refused(ErrorCode::UnknownOp,
                   nodeLabel(*n) + ": cannot set attributes of unknown op \"" + n->op + "\"");
  const OpSchema& schema = op->schema();
  auto spec = std::find_if(schema.attrs.begin(), schema.attrs.end(),
                           [&](const AttrSpec& s) { return s.name == str(attr); });
  if (spec == schema.attrs.end())
    return notFound(nodeLabel(*n) + ": " + n->op + " has no attribute \"" + str(attr) + "\"");
  Graph after = m_model.graph;
  AttrMap& attrs = after.find(str(node))->attrs;
  if (!value) {
    if (spec->required)
      return invalidArgument(nodeLabel(*n) + ": attribute \"" + spec->name +
                             "\" is required and has no default to reset to");
    attrs.erase(spec->name);
  } else {
    // Validate this attribute alone through the engine, so an unrelated bad attribute
    // (say, from a hand-edited file) does not block fixing this one.
    AttrMap probe;
    for (const auto& s : schema.attrs)
      if (s.required) probe[s.name] = startingValue(schema, s);
    probe[spec->name] = *value;
    if (auto resolved = resolveAttrs(schema, probe); !resolved)
      return resolved.status().withContext(nodeLabel(*n));
    attrs[spec->name] = *value;
  }
  pushEdit(QStringLiteral("Set %1.%2").arg(node, attr), std::move(after), {node});
  return Status::ok();
}

Status Document::renameNode(const QString& oldName, const QString& newName) {
  if (!m_model.graph.find(str(oldName)))
    return notFound("cannot rename node \"" + str(oldName) + "\": it does not exist");
  if (oldName == newName) return Status::ok();
  if (!isValidNodeName(newName))
    return invalidArgument(
        "cannot rename \"" + str(oldName) + "\" to \"" + str(newName) +
        "\": a name starts with a letter or _ and contains only letters, digits, _ . / -");
  if (m_model.graph.find(str(newName)))
    return invalidArgument("cannot rename \"" + str(oldName) + "\" to \"" + str(newName) +
                           "\": that name is already used");
  Graph after = m_model.graph;
  QStringList changed{oldName, newName};
  for (auto& n : after.nodes()) {
    if (n.name == str(oldName)) n.name = str(newName);
    for (auto& in : n.inputs) {
      if (in == str(oldName)) {
        in = str(newName);
        changed << qstr(n.name);
      }
    }
  }
  if (after.output() == str(oldName)) after.setOutput(str(newName));
  changed.removeDuplicates();
  pushEdit(QStringLiteral("Rename %1 to %2").arg(oldName, newName), std::move(after), changed);
  return Status::ok();
}

Expected<QStringList> Document::insertNodes(const std::vector<Node>& nodes, QPointF offset) {
  Graph after = m_model.graph;
  std::map<std::string, std::string> renamed;  // copied name -> new name
  for (const auto& n : nodes) {
    if (renamed.count(n.name))
      return invalidArgument("cannot insert nodes: the name \"" + n.name + "\" appears twice");
    Node copy;
    copy.name = after.uniqueName(baseName(n.name));
    renamed[n.name] = copy.name;
    LOOM_RETURN_IF_ERROR(after.addNode(std::move(copy)));  // reserve the name
  }
  QStringList added;
  for (const auto& n : nodes) {
    Node* copy = after.find(renamed[n.name]);
    copy->op = n.op;
    copy->attrs = n.attrs;
    copy->x = n.x + offset.x();
    copy->y = n.y + offset.y();
    for (const auto& in : n.inputs) {
      auto it = renamed.find(in);
      if (it != renamed.end()) copy->inputs.push_back(it->second);  // edges to others dropped
    }
    added << qstr(copy->name);
  }
  if (added.isEmpty()) return added;
  pushEdit(added.size() == 1 ? QStringLiteral("Insert %1").arg(added.front())
                             : QStringLiteral("Insert %1 nodes").arg(added.size()),
           std::move(after), added);
  return added;
}

// ---- training settings ------------------------------------------------------------------------

namespace {

/// The names of a Name setting of the schema, its default first (the order the studio offers).
QStringList choices(const char* path) {
  const SettingSpec& spec = *findSetting(path);
  QStringList names;
  for (const std::string& n : settingNames(spec)) names << qstr(n);
  if (!spec.defaults.empty()) {
    const int at = names.indexOf(qstr(std::get<std::string>(spec.defaults.front().second)));
    if (at > 0) names.move(at, 0);
  }
  return names;
}

}  // namespace

QStringList Document::optimizerTypes() {
  return choices("training.optimizer.type");
}

QStringList Document::scheduleTypes() {
  return choices("training.schedule.type");
}

QStringList Document::lossTypes() {
  return choices("training.loss.type");
}

QStringList Document::datasetKinds() {
  return choices("dataset.kind");
}

Status Document::validateTrainingSettings(const pb::TrainingConfig& t, const pb::DatasetConfig& d) {
  return loom::validateTrainingSettings(t, d);
}

Status Document::setTrainingSettings(const pb::TrainingConfig& training,
                                     const pb::DatasetConfig& dataset) {
  LOOM_RETURN_IF_ERROR(validateTrainingSettings(training, dataset));
  if (sameMessage(training, m_model.training) && sameMessage(dataset, m_model.dataset))
    return Status::ok();
  m_undo.push(new TrainingSettingsCommand(this, tr("Change training settings"), m_model.training,
                                          m_model.dataset, training, dataset));
  return Status::ok();
}

// ---- files -------------------------------------------------------------------------------------

void Document::resetModel(Model model, const QString& filePath,
                          std::shared_ptr<const Graph> graphCopy) {
  m_model = std::move(model);
  m_undo.clear();
  m_undo.setClean();
  ++m_revision;
  if (graphCopy) {
    m_snapshot = std::move(graphCopy);
    m_snapshotRevision = m_revision;
  }
  m_savedGraph = graphSnapshot();
  m_savedTraining = m_model.training;
  m_savedDataset = m_model.dataset;
  ++m_structureRevision;
  setModified(false);
  if (filePath != m_filePath) {
    m_filePath = filePath;
    emit filePathChanged(m_filePath);
  }
  emit modelReset();
  scheduleAnalysis();
}

Status Document::load(const QString& path) {
  LOOM_ASSIGN_OR_RETURN(Model model, loadModel(str(path)));
  resetModel(std::move(model), path);
  return Status::ok();
}

Status Document::restoreAutosave(const QString& autosavePath, const QString& originalPath) {
  LOOM_ASSIGN_OR_RETURN(Model restored, loadModel(str(autosavePath)));
  Model base = restored;
  base.graph = Graph();
  QString path;
  if (!originalPath.isEmpty()) {
    if (Expected<Model> original = loadModel(str(originalPath))) {
      base = std::move(original).value();
      path = originalPath;
    }
  }
  resetModel(base, path);
  RestoreAutosaveCommand::State before{base.graph, base.training, base.dataset};
  RestoreAutosaveCommand::State after{restored.graph, restored.training, restored.dataset};
  if (before.graph == after.graph && sameMessage(before.training, after.training) &&
      sameMessage(before.dataset, after.dataset))
    return Status::ok();  // nothing the file lacks: no step to undo
  m_undo.push(new RestoreAutosaveCommand(this, tr("Restore autosaved changes"), std::move(before),
                                         std::move(after)));
  return Status::ok();
}

Status Document::save(const QString& path) {
  LOOM_RETURN_IF_ERROR(saveModel(m_model, str(path)));
  m_savedGraph = graphSnapshot();
  m_savedTraining = m_model.training;
  m_savedDataset = m_model.dataset;
  m_undo.setClean();
  setModified(false);
  if (path != m_filePath) {
    m_filePath = path;
    emit filePathChanged(m_filePath);
  }
  return Status::ok();
}

std::string Document::serialized() const {
  return serializeModel(m_model);
}

}  // namespace loom::studio
