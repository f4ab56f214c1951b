// The Inspect mode's behaviour (inspect_mode.h); its widgets are built in inspect_panels.cpp.
#include "widgets/modes/inspect/inspect_mode.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMainWindow>
#include <QProgressBar>
#include <QSettings>
#include <QSlider>
#include <QTableView>
#include <QTimer>
#include <algorithm>
#include <numeric>

#include "engine/data/dataset.h"
#include "engine/explain/registry.h"
#include "widgets/document/document.h"
#include "widgets/modes/inspect/attribution_view.h"
#include "widgets/modes/inspect/inspect_worker.h"
#include "widgets/modes/inspect/sample_table_model.h"
#include "widgets/modes/train/train_session.h"
#include "widgets/shell/image_export.h"

namespace loom::studio {

StudioMode* createInspectMode(const ModeContext& context, QObject* parent) {
  return new InspectMode(context, parent);
}

namespace {
/// The methods checked on a first start: one of each family, all quick on one image.
const QStringList kDefaultMethods = {QStringLiteral("ig"), QStringLiteral("smoothgrad"),
                                     QStringLiteral("gradcam"), QStringLiteral("shap")};
}  // namespace

InspectMode::InspectMode(const ModeContext& context, QObject* parent)
    : StudioMode(context, parent),
      m_worker(new InspectWorker(this)),
      m_model(new SampleTableModel(this)),
      m_explainTimer(new QTimer(this)) {
  createActions();
  m_central = createCentral();
  m_samplesDock =
      makeDock(tr("Samples"), QStringLiteral("inspectSamplesDock"), createSamplesPanel());
  m_explainDock =
      makeDock(tr("Explain"), QStringLiteral("inspectExplainDock"), createExplainPanel());
  setMethods(kDefaultMethods);
  m_view->setSample({},
                    tr("Inspect shows what the model looks at. Pick a sample in the Samples "
                       "panel."),
                    false);
  m_explainTimer->setSingleShot(true);
  m_explainTimer->setInterval(30);  // coalesces a burst of changes (arrow keys, several boxes)
  connect(m_explainTimer, &QTimer::timeout, this, &InspectMode::explain);

  connect(m_worker, &InspectWorker::loadProgress, this, [this](int done, int total) {
    m_weights->setText(tr("Predicting the test set: %1 of %2 samples…").arg(done).arg(total));
  });
  connect(m_worker, &InspectWorker::loaded, this, &InspectMode::onLoaded);
  connect(m_worker, &InspectWorker::loadFailed, this, &InspectMode::onLoadFailed);
  connect(m_worker, &InspectWorker::mapReady, this, &InspectMode::onMap);
  connect(m_worker, &InspectWorker::batchItem, this, &InspectMode::onBatchItem);
  connect(m_worker, &InspectWorker::batchProgress, this, [this](int done, int total) {
    m_progress->setRange(0, std::max(total, 1));
    m_progress->setValue(done);
    const double mean = m_batchScores.empty()
                            ? 0
                            : std::accumulate(m_batchScores.begin(), m_batchScores.end(), 0.0) /
                                  static_cast<double>(m_batchScores.size());
    m_batchStatus->setText(
        tr("%1 of %2 samples · mean deletion AUC %3").arg(done).arg(total).arg(mean, 0, 'f', 3));
  });
  connect(m_worker, &InspectWorker::batchFinished, this, &InspectMode::onBatchFinished);

  // The model, the weights or the data changed: load again (now, or when next shown).
  Document* doc = document();
  connect(doc, &Document::modelReset, this, &InspectMode::markStale);
  connect(doc, &Document::graphChanged, this, &InspectMode::markStale);
  connect(doc, &Document::trainingSettingsChanged, this, &InspectMode::markStale);
  if (TrainSession* session = training())
    connect(session, &TrainSession::finished, this, [this] {
      if (m_checkpoint.isEmpty()) markStale();
    });
  updateActions();
}

InspectMode::~InspectMode() = default;

QIcon InspectMode::icon() const {
  return QIcon(QStringLiteral(":/modes/inspect/inspect.svg"));
}

void InspectMode::arrangeDocks(QMainWindow* window) {
  window->addDockWidget(Qt::LeftDockWidgetArea, m_samplesDock);
  window->addDockWidget(Qt::RightDockWidgetArea, m_explainDock);
  window->resizeDocks({m_samplesDock, m_explainDock}, {400, 250}, Qt::Horizontal);
}

void InspectMode::activate() {
  m_active = true;
  if (m_stale) reload();
}

void InspectMode::saveState(QSettings& settings) const {
  settings.setValue(QStringLiteral("methods"), methods());
  settings.setValue(QStringLiteral("opacity"), m_opacity->value());
}

void InspectMode::restoreState(QSettings& settings) {
  if (settings.contains(QStringLiteral("methods")))
    setMethods(settings.value(QStringLiteral("methods")).toStringList());
  m_opacity->setValue(settings.value(QStringLiteral("opacity"), 65).toInt());
}

// ---- weights and loading ----

QString InspectMode::weightsSource(QString* description) const {
  auto say = [&](const QString& text) {
    if (description) *description = text;
  };
  if (!m_checkpoint.isEmpty()) {
    say(tr("chosen checkpoint"));
    return m_checkpoint;
  }
  if (TrainSession* session = training(); session && !session->runDir().isEmpty()) {
    const QString last = session->runDir() + QStringLiteral("/checkpoints/last.ckpt");
    if (QFileInfo::exists(last)) {
      say(tr("the last checkpoint of the run trained in Train mode"));
      return last;
    }
  }
  say(document()->model().parameters.empty() ? tr("no checkpoint: untrained weights")
                                             : tr("the model file's parameters"));
  return {};
}

void InspectMode::setCheckpoint(const QString& path) {
  m_checkpoint = path;
  reload();
}

void InspectMode::markStale() {
  m_stale = true;
  if (m_active)
    QTimer::singleShot(0, this, [this] {
      if (m_stale) reload();
    });
}

void InspectMode::reload() {
  m_stale = false;
  m_loaded = false;
  m_worker->cancelBatch();
  const QString checkpoint = weightsSource();
  m_weights->setText(
      tr("Loading %1…")
          .arg(checkpoint.isEmpty() ? tr("the model") : QFileInfo(checkpoint).fileName()));
  m_weights->setStyleSheet({});
  m_loadGeneration = m_worker->load(document()->model(), checkpoint);
  updateActions();
}

void InspectMode::onLoaded(int generation, const InspectModelInfo& info) {
  if (generation != m_loadGeneration) return;
  const int previous = m_sample;
  m_info = info;
  m_loaded = true;
  fillClassCombos();
  m_model->setSamples(info);
  const auto n = static_cast<int>(info.predictions.size());
  const auto right =
      static_cast<int>(std::count_if(info.predictions.begin(), info.predictions.end(),
                                     [](const SamplePrediction& p) { return !p.misclassified(); }));
  QString how;
  weightsSource(&how);
  m_weights->setText(
      tr("<b>Weights</b>: %1 (%2)<br><b>Test set</b>: %3 samples of %4, %5 % right%6")
          .arg(info.weights.toHtmlEscaped(), how.toHtmlEscaped())
          .arg(n)
          .arg(QString::fromStdString(info.data->source).toHtmlEscaped())
          .arg(n ? 100.0 * right / n : 0, 0, 'f', 1)
          .arg(info.convNode.isEmpty() ? QString()
                                       : tr("<br><b>Grad-CAM</b> on %1").arg(info.convNode)));
  applyFilter();
  if (!selectSample(previous) && m_model->rowCount() > 0)
    m_table->selectionModel()->setCurrentIndex(
        m_model->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  updateActions();
  emit loadFinished(true, {});
}

void InspectMode::onLoadFailed(int generation, const QString& message) {
  if (generation != m_loadGeneration) return;
  m_loaded = false;
  m_weights->setText(message + tr("\nTrain the model in Train mode or choose a checkpoint of "
                                  "this model (Checkpoint…)."));
  m_weights->setStyleSheet(QStringLiteral("color: #d03030"));
  m_view->setSample({}, tr("Cannot inspect this model: %1").arg(message), true);
  updateActions();
  emit statusMessage(message);
  emit loadFinished(false, message);
}

QString InspectMode::className(int c) const {
  return c >= 0 && c < m_info.classNames.size() ? m_info.classNames[c] : QString::number(c);
}

void InspectMode::fillClassCombos() {
  auto fill = [&](QComboBox* box, const QString& none) {
    const QVariant keep = box->currentData();
    const QSignalBlocker block(box);
    box->clear();
    box->addItem(none, -1);
    for (int c = 0; c < m_info.classNames.size(); ++c)
      box->addItem(QStringLiteral("%1 · %2").arg(c).arg(m_info.classNames[c]), c);
    box->setCurrentIndex(std::max(0, box->findData(keep)));
  };
  fill(m_trueClass, tr("Any"));
  fill(m_predictedClass, tr("Any"));
  fill(m_target, tr("Predicted class"));
  fill(m_compare, tr("None"));
  const QVariant keep = m_batchSet->currentData();
  m_batchSet->clear();
  m_batchSet->addItem(tr("Samples in the list"), QStringLiteral("listed"));
  m_batchSet->addItem(tr("Misclassified samples"), QStringLiteral("misclassified"));
  for (int c = 0; c < m_info.classNames.size(); ++c)
    m_batchSet->addItem(tr("True class %1").arg(m_info.classNames[c]),
                        QStringLiteral("class:%1").arg(c));
  m_batchSet->setCurrentIndex(std::max(0, m_batchSet->findData(keep)));
}

// ---- browsing ----

void InspectMode::applyFilter() {
  if (!m_table) return;  // still building the panels
  SampleFilter f;
  f.trueClass = m_trueClass->currentData().isValid() ? m_trueClass->currentData().toInt() : -1;
  f.predictedClass =
      m_predictedClass->currentData().isValid() ? m_predictedClass->currentData().toInt() : -1;
  f.misclassifiedOnly = m_misclassified->isChecked();
  f.minConfidence = m_minConf->value() / 100.0;
  f.maxConfidence = m_maxConf->value() / 100.0;
  const int keep = m_sample;
  {
    const QSignalBlocker block(m_table->selectionModel());
    m_model->setFilter(f);
  }
  const auto all = m_model->all();
  const auto wrong = std::count_if(all.begin(), all.end(),
                                   [](const SamplePrediction& p) { return p.misclassified(); });
  m_count->setText(tr("%1 of %2 samples listed · %3 misclassified in all")
                       .arg(m_model->rowCount())
                       .arg(all.size())
                       .arg(wrong));
  const int row = m_model->rowOf(keep);
  if (row >= 0) {
    const QSignalBlocker block(m_table->selectionModel());
    m_table->selectionModel()->setCurrentIndex(
        m_model->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(m_model->index(row, 0));
  }
}

bool InspectMode::selectSample(int index) {
  const int row = m_model->rowOf(index);
  if (row < 0 || index < 0) return false;
  m_table->selectionModel()->setCurrentIndex(
      m_model->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  m_table->scrollTo(m_model->index(row, 0));
  if (m_sample != index) {  // the current row did not change (same row, other sample)
    m_sample = index;
    scheduleExplain();
  }
  return true;
}

void InspectMode::onSelectionChanged() {
  const SamplePrediction* p =
      m_model->predictionAt(m_table->selectionModel()->currentIndex().row());
  if (!p) return;
  m_sample = p->index;
  scheduleExplain();
}

void InspectMode::setMethods(const QStringList& methods) {
  const QSignalBlocker block(m_methods);
  for (int i = 0; i < m_methods->count(); ++i) {
    QListWidgetItem* item = m_methods->item(i);
    item->setCheckState(methods.contains(item->data(Qt::UserRole).toString()) ? Qt::Checked
                                                                              : Qt::Unchecked);
  }
  scheduleExplain();
}

QStringList InspectMode::methods() const {
  QStringList out;
  for (int i = 0; i < m_methods->count(); ++i)
    if (m_methods->item(i)->checkState() == Qt::Checked)
      out << m_methods->item(i)->data(Qt::UserRole).toString();
  return out;
}

void InspectMode::scheduleExplain() {
  if (m_loaded && m_sample >= 0) m_explainTimer->start();
}

std::vector<int> InspectMode::targets() const {
  std::vector<int> out;
  if (!m_loaded || m_sample < 0 || m_sample >= static_cast<int>(m_info.predictions.size()))
    return out;
  const int chosen = m_target->currentData().toInt();
  out.push_back(chosen >= 0 ? chosen : m_info.predictions[static_cast<size_t>(m_sample)].predicted);
  const int other = m_compare->currentData().toInt();
  if (other >= 0 && other != out[0]) out.push_back(other);
  return out;
}

// ---- explaining ----

void InspectMode::explain() {
  m_explainTimer->stop();
  if (!m_loaded || m_sample < 0 || m_sample >= static_cast<int>(m_info.predictions.size())) return;
  const SamplePrediction& p = m_info.predictions[static_cast<size_t>(m_sample)];
  QString caption = tr("Sample %1 · true %2 · predicted %3 (%4 %)")
                        .arg(p.index)
                        .arg(className(p.label), className(p.predicted))
                        .arg(100 * p.confidence, 0, 'f', 1);
  if (p.misclassified()) caption += tr(" · misclassified");
  m_view->setSample(sampleImage(*m_info.data, m_sample), caption, p.misclassified());
  const QStringList names = methods();
  QStringList titles;
  const ExplainerRegistry& reg = ExplainerRegistry::global();
  for (const QString& n : names)
    if (const ExplainerInfo* info = reg.find(n.toStdString()))
      titles << QString::fromStdString(info->title);
  const std::vector<int> classes = targets();
  QStringList rowLabels;
  for (size_t r = 0; r < classes.size(); ++r) {
    const int c = classes[r];
    const QString role = r == 1             ? tr("compared")
                         : c == p.predicted ? tr("predicted")
                         : c == p.label     ? tr("true class")
                                            : tr("target");
    rowLabels << QStringLiteral("%1\n(%2)").arg(className(c), role);
  }
  m_view->setGrid(names, titles, classes, rowLabels);
  m_expectedMaps = static_cast<int>(names.size() * static_cast<int>(classes.size()));
  m_receivedMaps = 0;
  m_explaining = m_expectedMaps > 0;
  m_explainGeneration = m_worker->explain(m_sample, names, classes);
  updateActions();
  if (!m_explaining) emit explained();
}

void InspectMode::onMap(int generation, const AttributionMap& map) {
  if (generation != m_explainGeneration) return;
  m_view->setMap(map);
  if (!map.error.isEmpty()) emit statusMessage(map.error);
  if (++m_receivedMaps == m_expectedMaps) {
    m_explaining = false;
    updateActions();
    emit explained();
  }
}

// ---- runs over a set ----

bool InspectMode::isBatchRunning() const {
  return m_worker->isBatchRunning();
}

bool InspectMode::isExplaining() const {
  return m_explaining || m_explainTimer->isActive();
}

std::vector<int> InspectMode::batchSamples() const {
  const QString set = m_batchSet->currentData().toString();
  if (set == QStringLiteral("listed")) return m_model->rowIndices();
  std::vector<int> out;
  const int cls = set.startsWith(QStringLiteral("class:")) ? set.mid(6).toInt() : -1;
  for (const SamplePrediction& p : m_info.predictions)
    if (cls >= 0 ? p.label == cls : p.misclassified()) out.push_back(p.index);
  return out;
}

bool InspectMode::runOverSet() {
  if (!m_loaded || isBatchRunning()) return false;
  const std::vector<int> samples = batchSamples();
  if (samples.empty()) {
    m_batchStatus->setText(tr("No samples in %1.").arg(m_batchSet->currentText()));
    return false;
  }
  const QString method = m_batchMethod->currentData().toString();
  const int chosen = m_target->currentData().toInt();
  m_model->clearScores();
  m_batchScores.clear();
  m_progress->setRange(0, static_cast<int>(samples.size()));
  m_progress->setValue(0);
  m_batchStatus->setText(
      tr("%1 over %2 samples…").arg(m_batchMethod->currentText()).arg(samples.size()));
  m_worker->runBatch(method, samples, chosen >= 0 ? BatchTarget::Fixed : BatchTarget::Predicted,
                     chosen);
  updateActions();
  return true;
}

void InspectMode::cancelRun() {
  m_worker->cancelBatch();
}

void InspectMode::onBatchItem(const BatchItem& item) {
  m_model->setScore(item.sample, item.deletionAuc);
  m_batchScores.push_back(item.deletionAuc);
}

void InspectMode::onBatchFinished(int done, int total, bool cancelled, const QString& error) {
  const double mean = m_batchScores.empty()
                          ? 0
                          : std::accumulate(m_batchScores.begin(), m_batchScores.end(), 0.0) /
                                static_cast<double>(m_batchScores.size());
  QString text = cancelled ? tr("Cancelled after %1 of %2 samples.").arg(done).arg(total)
                           : tr("%1 samples done.").arg(done);
  if (done > 0)
    text += tr(" Mean deletion AUC %1; the list is sorted by it, most faithful first.")
                .arg(mean, 0, 'f', 3);
  if (!error.isEmpty()) text = tr("Stopped: %1").arg(error);
  m_batchStatus->setText(text);
  if (done > 0) {
    m_table->sortByColumn(SampleTableModel::DeletionAuc, Qt::AscendingOrder);
    const int row = m_model->rowOf(m_sample);
    if (row >= 0) {
      const QSignalBlocker block(m_table->selectionModel());
      m_table->selectionModel()->setCurrentIndex(
          m_model->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    m_table->scrollToTop();
  }
  updateActions();
  emit statusMessage(text);
  emit batchFinished(done, total, cancelled);
}

// ---- export, actions ----

bool InspectMode::exportPng(const QString& path) {
  if (m_view->mapCount() == 0) {
    emit statusMessage(tr("Nothing to export: explain a sample first."));
    return false;
  }
  constexpr qreal kScale = 2.0;
  const QSize size = (QSizeF(m_view->size()) * kScale).toSize();
  blankImageInBackground(
      size, m_view->palette().base().color(), this, [this, path, kScale](QImage picture) {
        m_view->renderInto(picture, kScale);
        saveImageInBackground(std::move(picture), path, this, [this, path](const QString& error) {
          emit statusMessage(error.isEmpty() ? tr("Exported %1").arg(path) : error);
          emit pngExported(path, error);
        });
      });
  return true;
}

void InspectMode::updateActions() {
  const bool running = isBatchRunning();
  m_explainAct->setEnabled(m_loaded && m_sample >= 0);
  m_runSetAct->setEnabled(m_loaded && !running);
  m_cancelAct->setEnabled(running);
  m_exportAct->setEnabled(m_loaded && m_sample >= 0);
}

}  // namespace loom::studio
