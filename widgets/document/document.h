// Document: the model being edited in the studio, its undo stack, file state and the
// latest engine analysis. The single point through which the GUI changes a model.
//
// Model/view split (STYLE.md, QtNodes): the Document owns a loom::Model (the graph IR is
// the single source of truth). Every edit is a QUndoCommand pushed on undoStack(); the
// canvas, palette, properties panel and problems list only *listen* to the signals below
// and call the edit functions. No widget mutates the Model directly. The Document works
// with no widget at all (tests drive it headless).
//
// Training settings: the model's `training` and `dataset` blocks (engine/proto/loom.proto) are
// part of the document too. setTrainingSettings() replaces both as one undo step, validated
// first; trainingSettingsChanged() tells views to refresh. They take no part in the analysis.
//
// Analysis: after every change the Document re-runs loom::analyzeGraph on a copy of the
// graph on a worker thread (QtConcurrent), coalescing bursts of edits, and emits
// analysisUpdated() on the GUI thread. Editing never waits for analysis.
#pragma once

#include <QHash>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QUndoStack>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/graph/analysis.h"
#include "engine/graph/model.h"

namespace loom::studio {

class Document : public QObject {
  Q_OBJECT

 public:
  explicit Document(QObject* parent = nullptr);
  ~Document() override;

  const Model& model() const { return m_model; }
  const Graph& graph() const { return m_model.graph; }
  /// An immutable copy of graph() for worker threads (analysis, export pre-flight, the saved
  /// state): made at most once per revision and shared by all of them, so an open or an edit
  /// of a 100,000-node graph costs the GUI thread one copy instead of one per consumer.
  std::shared_ptr<const Graph> graphSnapshot() const;
  QUndoStack* undoStack() { return &m_undo; }

  /// Latest completed analysis (may lag the newest edit by one worker run).
  const GraphAnalysis& analysis() const { return m_analysis; }
  /// The analysis of one node by name, or null when the latest completed analysis does
  /// not know that node (added after it ran). Prefer this over indexing analysis().nodes,
  /// whose order matches the *analysed* graph, which may be one edit behind graph().
  const NodeAnalysis* nodeAnalysis(const QString& name) const;
  /// True when analysis() describes exactly the current graph.
  bool isAnalysisCurrent() const { return m_analysisRevision == m_structureRevision; }
  /// Increments on every change of the graph (edit, undo, redo, reset); never repeats.
  std::uint64_t revision() const { return m_revision; }
  /// Batch size used for shapes and activation memory in the analysis (default 1).
  std::int64_t analysisBatch() const { return m_batch; }
  void setAnalysisBatch(std::int64_t batch);
  /// Blocks until the analysis reflects the current graph (tests and file saving only).
  void waitForAnalysis();

  // ---- edits: each is one undo step; a refused edit changes nothing and returns why ----
  /// Adds a node of `op` (attributes at schema defaults, required ones given sensible
  /// starting values) at scene position `pos`, named after the op ("conv2d_3").
  Expected<QString> addNode(const QString& op, QPointF pos);
  /// Removes nodes and every edge touching them.
  Status removeNodes(const QStringList& names);
  /// Connects `from`'s output to input port `port` of `to`. For a variadic op (Add,
  /// Concat) port == inputs count appends. Refused with the reason when it would create a
  /// cycle, the port is already driven, the port does not exist, or from == to.
  Status connectNodes(const QString& from, const QString& to, int port);
  /// Removes the edge into input port `port` of `to`.
  Status disconnect(const QString& to, int port);
  /// Moves nodes (positions in scene coordinates). One undo step however many nodes;
  /// consecutive moves of the same selection merge.
  Status moveNodes(const QHash<QString, QPointF>& positions);
  /// Sets (or with std::nullopt, resets to default) one attribute. Validates against the
  /// schema (type, range, choices); refused with the engine's message otherwise.
  Status setAttribute(const QString& node, const QString& attr,
                      const std::optional<AttrValue>& value);
  /// Renames a node and every reference to it. Refused if the name is taken or invalid.
  Status renameNode(const QString& oldName, const QString& newName);
  /// Inserts copies of `nodes` (e.g. from the clipboard) shifted by `offset`, with new
  /// unique names; edges among the copied nodes are kept, edges to others dropped.
  Expected<QStringList> insertNodes(const std::vector<Node>& nodes, QPointF offset);
  /// Replaces the model's training and dataset settings (stored exactly as given, so an
  /// explicit value stays explicit). Refused, naming the field and the value, unless
  /// validateTrainingSettings() accepts them. Equal settings are no edit (no undo step).
  Status setTrainingSettings(const pb::TrainingConfig& training, const pb::DatasetConfig& dataset);

  // ---- transfer learning (engine/graph/transfer.h, engine/train/freeze.h) ----
  /// Sets training.freeze_until to `node` ("Freeze up to here"; empty: nothing frozen). One undo
  /// step of the training settings; refused, naming the node and near names, when the graph has
  /// no node of that name. trainingSettingsChanged() follows, and frozenNodes() changes.
  Status setFreezeUntil(const QString& node);
  /// The nodes training.freeze_until freezes now: it and its ancestors, in file order (empty
  /// when the setting is empty or names no node of the graph).
  QStringList frozenNodes() const;
  /// Cuts the graph after `node` (loom::cutAfter: it and its ancestors stay, it becomes the
  /// output). One undo step. The removed nodes' trained parameters stay in the model unused,
  /// so undo gives them back. Refused as cutAfter() refuses.
  Status cutAfter(const QString& node);
  /// Appends a new head of `classes` (loom::appendHead: Flatten if needed, Dense, the new
  /// output). One undo step; its parameters start from the schema's initialisers.
  Status appendHead(int classes);

  /// The engine's settings validator (loom::validateTrainingSettings, engine/train/settings.h):
  /// the same verdict and the same message as `loom train` gives for these settings in a file.
  /// 0 / "" in a field that has a default means "not given" (the default applies), as in a file.
  static Status validateTrainingSettings(const pb::TrainingConfig& training,
                                         const pb::DatasetConfig& dataset);
  /// Known names from the settings schema, in the order the studio offers them (the first is
  /// Loom's default).
  static QStringList optimizerTypes();
  static QStringList scheduleTypes();
  static QStringList lossTypes();
  static QStringList datasetKinds();

  // ---- files ----
  /// Replaces the model (New / template / Open). Clears the undo stack; not modified.
  /// Taken by value: a caller that moves its model in spares the GUI thread a copy (a
  /// 100,000-node graph takes ~150 ms to copy). `graphCopy`, when given, must equal
  /// model.graph: a copy made off the GUI thread, used as graphSnapshot() (the file opener
  /// makes it on its worker).
  void resetModel(Model model, const QString& filePath = {},
                  std::shared_ptr<const Graph> graphCopy = {});
  Status load(const QString& path);
  /// Writes the `.loom` file atomically and marks the undo stack clean.
  Status save(const QString& path);
  QString filePath() const { return m_filePath; }
  /// Crash recovery: brings back the autosave at `autosavePath` as one undo step over the file
  /// it was made from. The document first becomes the model at `originalPath`, attached to it
  /// (Save writes there) — or, when that path is empty or does not load, an untitled copy of the
  /// autosave without nodes; then one step, "Restore autosaved changes", replaces the graph and
  /// the training and dataset settings with the autosave's. Afterwards isModified() is true
  /// (unless the autosave equals the file) and undo gives back the file exactly. Refused,
  /// changing nothing, when the autosave does not load (the message names the file).
  Status restoreAutosave(const QString& autosavePath, const QString& originalPath);
  /// True exactly when the graph or the training settings differ from the last saved (or
  /// loaded / reset) ones, so an edit followed by its opposite (connect, then disconnect) is
  /// not "modified".
  bool isModified() const { return m_modified; }
  /// The current model serialised exactly as save() would write it.
  std::string serialized() const;

  /// For undo commands only: apply a whole-graph state (the commands store before/after).
  void applyGraph(const Graph& graph, const QStringList& changedNodes);
  /// For undo commands only: apply training and dataset settings (no validation).
  void applyTrainingSettings(const pb::TrainingConfig& training, const pb::DatasetConfig& dataset);

  /// Valid node name: [A-Za-z_][A-Za-z0-9_./-]* (graph.h).
  static bool isValidNodeName(const QString& name);
  /// The name addNode() gives a node of `op`: the op in lower case, made unique.
  QString uniqueNodeName(const QString& base) const;

 signals:
  /// The graph changed (any edit, undo or redo). `nodes` lists the nodes touched, empty
  /// means "anything may have changed" (reset, load, undo of a multi-node edit).
  void graphChanged(const QStringList& nodes);
  void modelReset();
  /// The training or dataset settings changed (an edit, its undo or redo). Not emitted by
  /// modelReset(), which means everything changed.
  void trainingSettingsChanged();
  void analysisUpdated();
  void modifiedChanged(bool modified);
  void filePathChanged(const QString& path);

 private:
  void scheduleAnalysis();
  void startAnalysis();
  void publishAnalysis(GraphAnalysis analysis, QHash<QString, int> index,
                       std::uint64_t structureRevision);
  void setModified(bool modified);
  /// Recomputes isModified() against the saved graph and settings.
  void updateModified();
  /// Pushes an edit that replaces the graph with `after` (no-op when equal).
  void pushEdit(const QString& text, Graph after, const QStringList& changed, int mergeId = -1);
  Model m_model;
  QUndoStack m_undo;
  GraphAnalysis m_analysis;
  QHash<QString, int> m_analysisIndex;  // node name -> index in m_analysis.nodes
  std::int64_t m_batch = 1;
  QString m_filePath;
  std::shared_ptr<const Graph> m_savedGraph;        // as last saved / loaded, for isModified()
  mutable std::shared_ptr<const Graph> m_snapshot;  // graphSnapshot() of m_snapshotRevision
  mutable std::uint64_t m_snapshotRevision = ~std::uint64_t{0};
  pb::TrainingConfig m_savedTraining;  // likewise the settings
  pb::DatasetConfig m_savedDataset;
  bool m_modified = false;
  std::uint64_t m_revision = 0;
  std::uint64_t m_structureRevision = 0;  // bumps only when something but positions changed
  std::uint64_t m_analysisRevision = ~std::uint64_t{0};
  struct AnalysisRunner;
  std::unique_ptr<AnalysisRunner> m_runner;
};

/// MIME type of a palette drag: the payload is the op name in UTF-8.
inline constexpr const char* kOpMimeType = "application/x-loom-op";
/// MIME type of copied nodes: the payload is a `.loom` graph fragment in text format.
inline constexpr const char* kNodesMimeType = "application/x-loom-nodes";

}  // namespace loom::studio
