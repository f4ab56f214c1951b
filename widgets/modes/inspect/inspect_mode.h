// InspectMode: what the model looks at. Browse the test set, pick a sample, a target class and
// methods, and see the attribution maps side by side over the image (the central
// AttributionView, with an opacity slider, a colour bar per map, the value under the pointer);
// compare two classes (a second row of maps); run one method over a set of samples (a class,
// the misclassified ones, or the listed ones) with progress and cancel, and sort the samples
// by the maps' faithfulness (deletion AUC); export the picture as PNG. docs/explain.md,
// "Studio: Inspect mode", is the manual.
//
// The model is the context's Document; its weights, in this order (weightsSource()): the
// checkpoint chosen with "Checkpoint…" (setCheckpoint), else the last checkpoint of the
// studio's training run (Train mode: <run>/checkpoints/last.ckpt), else the model file's own
// parameters, else its untrained initial weights (said so in the Samples panel). The data is
// the model's test split (dataset.test_limit samples when set). The mode (re)loads them when
// it becomes current after any of these changed, and at once when it is current.
//
// All engine work runs on the InspectWorker's thread (inspect_worker.h): loading and
// predicting, every explanation, the batch. Picking a sample, a class or a method explains
// again, and a newer request drops an older one's remaining work, so the GUI never waits.
//
// Docks: Samples (weights, filters, the sample table) and Explain (target, compare, methods,
// Run over a set). Actions (toolbar): Explain (Ctrl+E), Run Over Set, Cancel, Export PNG….
// Saved state ("modes/inspect"): the methods, the opacity.
#pragma once

#include <QStringList>
#include <vector>

#include "widgets/modes/inspect/inspect_types.h"
#include "widgets/modes/studio_mode.h"

class QAction;
class QCheckBox;
class QComboBox;
class QDockWidget;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QSlider;
class QTableView;
class QTimer;

namespace loom::studio {

class AttributionView;
class InspectWorker;
class SampleTableModel;
struct BatchItem;

class InspectMode : public StudioMode {
  Q_OBJECT

 public:
  InspectMode(const ModeContext& context, QObject* parent = nullptr);
  ~InspectMode() override;

  QString id() const override { return QStringLiteral("inspect"); }
  QString title() const override { return tr("Inspect"); }
  QIcon icon() const override;
  QString toolTip() const override {
    return tr("Inspect: what the model looks at (saliency, Grad-CAM, SHAP, LIME)");
  }
  QWidget* widget() const override { return m_central; }
  QList<QDockWidget*> docks() const override { return {m_samplesDock, m_explainDock}; }
  void arrangeDocks(QMainWindow* window) override;
  ModeActions actions() const override { return m_actions; }
  void activate() override;
  void saveState(QSettings& settings) const override;
  void restoreState(QSettings& settings) override;

  // ---- driving (the panels, tests) ----
  /// Uses `path` as the weights from now on (empty: back to the automatic choice) and reloads.
  void setCheckpoint(const QString& path);
  /// The checkpoint the next load uses ("" when none: the model's own parameters) and, in
  /// `description`, how it was chosen.
  QString weightsSource(QString* description = nullptr) const;
  /// Loads the document's model with weightsSource() now (also when nothing changed).
  void reload();
  /// Selects test sample `index` in the table (false when it is filtered out or not loaded).
  bool selectSample(int index);
  /// The sample shown (-1: none).
  int currentSample() const { return m_sample; }
  /// Checks exactly `methods` (registry names) in the method list.
  void setMethods(const QStringList& methods);
  QStringList methods() const;
  /// Explains the current sample now with the checked methods, target and compare class.
  void explain();
  /// Runs the batch method over the chosen set (batchSetCombo()); false when nothing to do.
  bool runOverSet();
  void cancelRun();
  /// Renders the maps picture (2× the view's size at the call) and writes it as PNG; the
  /// image's memory and the encoding are a worker's, the drawing the GUI thread's.
  /// pngExported() follows. False at once, with a status message, when there is nothing to draw.
  bool exportPng(const QString& path);

  /// The classes explained for the current sample: the target, then the compare class.
  std::vector<int> targets() const;
  const InspectModelInfo& info() const { return m_info; }
  bool isLoaded() const { return m_loaded; }
  /// True while an explanation is scheduled or maps of the current request are outstanding.
  bool isExplaining() const;
  bool isBatchRunning() const;

  AttributionView* view() const { return m_view; }
  SampleTableModel* samples() const { return m_model; }
  QTableView* table() const { return m_table; }
  QComboBox* trueClassCombo() const { return m_trueClass; }
  QComboBox* predictedClassCombo() const { return m_predictedClass; }
  QCheckBox* misclassifiedBox() const { return m_misclassified; }
  QDoubleSpinBox* minConfidenceBox() const { return m_minConf; }
  QDoubleSpinBox* maxConfidenceBox() const { return m_maxConf; }
  QLabel* countLabel() const { return m_count; }
  QLabel* weightsLabel() const { return m_weights; }
  QComboBox* targetCombo() const { return m_target; }
  QComboBox* compareCombo() const { return m_compare; }
  QListWidget* methodList() const { return m_methods; }
  QComboBox* batchMethodCombo() const { return m_batchMethod; }
  QComboBox* batchSetCombo() const { return m_batchSet; }
  QProgressBar* batchProgress() const { return m_progress; }
  QLabel* batchLabel() const { return m_batchStatus; }
  QSlider* opacitySlider() const { return m_opacity; }
  QLabel* hoverLabel() const { return m_hover; }
  QAction* explainAction() const { return m_explainAct; }
  QAction* runSetAction() const { return m_runSetAct; }
  QAction* cancelAction() const { return m_cancelAct; }
  QAction* exportAction() const { return m_exportAct; }

 signals:
  /// A load ended: `ok`, or `message` says why not.
  void loadFinished(bool ok, const QString& message);
  /// Every map of the current request has arrived.
  void explained();
  void batchFinished(int done, int total, bool cancelled);
  /// An exportPng() ended: `error` is empty when the file was written.
  void pngExported(const QString& path, const QString& error);

 private:
  QWidget* createCentral();
  QWidget* createSamplesPanel();
  QWidget* createExplainPanel();
  void createActions();
  QDockWidget* makeDock(const QString& title, const QString& name, QWidget* content);
  void markStale();
  void onLoaded(int generation, const InspectModelInfo& info);
  void onLoadFailed(int generation, const QString& message);
  void onMap(int generation, const AttributionMap& map);
  void onBatchItem(const BatchItem& item);
  void onBatchFinished(int done, int total, bool cancelled, const QString& error);
  void fillClassCombos();
  void applyFilter();
  void onSelectionChanged();
  void scheduleExplain();
  void updateActions();
  QString className(int c) const;
  /// Test indices the batch covers for the set chosen in batchSetCombo().
  std::vector<int> batchSamples() const;

  InspectWorker* m_worker;
  SampleTableModel* m_model;
  QWidget* m_central;
  AttributionView* m_view = nullptr;
  QDockWidget* m_samplesDock;
  QDockWidget* m_explainDock;
  QLabel* m_weights = nullptr;
  QLabel* m_count = nullptr;
  QComboBox* m_trueClass = nullptr;
  QComboBox* m_predictedClass = nullptr;
  QCheckBox* m_misclassified = nullptr;
  QDoubleSpinBox* m_minConf = nullptr;
  QDoubleSpinBox* m_maxConf = nullptr;
  QTableView* m_table = nullptr;
  QComboBox* m_target = nullptr;
  QComboBox* m_compare = nullptr;
  QListWidget* m_methods = nullptr;
  QComboBox* m_batchMethod = nullptr;
  QComboBox* m_batchSet = nullptr;
  QProgressBar* m_progress = nullptr;
  QLabel* m_batchStatus = nullptr;
  QSlider* m_opacity = nullptr;
  QLabel* m_opacityValue = nullptr;
  QLabel* m_hover = nullptr;
  QAction* m_explainAct = nullptr;
  QAction* m_runSetAct = nullptr;
  QAction* m_cancelAct = nullptr;
  QAction* m_exportAct = nullptr;
  QAction* m_checkpointAct = nullptr;
  ModeActions m_actions;
  QTimer* m_explainTimer;

  InspectModelInfo m_info;
  QString m_checkpoint;  // chosen with Checkpoint…; empty: automatic
  bool m_stale = true, m_active = false, m_loaded = false, m_explaining = false;
  int m_loadGeneration = 0, m_explainGeneration = 0;
  int m_sample = -1;
  int m_expectedMaps = 0, m_receivedMaps = 0;
  std::vector<double> m_batchScores;
};

/// The ModeFactory of Inspect (listed in widgets/modes/sources.cmake).
StudioMode* createInspectMode(const ModeContext& context, QObject* parent);

}  // namespace loom::studio
