// The Inspect mode's widgets: the central picture with its controls, the Samples and Explain
// panels, and the actions (inspect_mode.h). The behaviour is in inspect_mode.cpp.
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "engine/explain/registry.h"
#include "widgets/modes/inspect/attribution_view.h"
#include "widgets/modes/inspect/inspect_mode.h"
#include "widgets/modes/inspect/sample_table_model.h"

namespace loom::studio {

namespace {

QPushButton* buttonFor(QAction* action) {  // a push button that triggers `action`
  auto* b = new QPushButton(action->text());
  b->setToolTip(action->toolTip());
  QObject::connect(b, &QPushButton::clicked, action, &QAction::trigger);
  QObject::connect(action, &QAction::changed, b,
                   [b, action] { b->setEnabled(action->isEnabled()); });
  b->setEnabled(action->isEnabled());
  return b;
}

}  // namespace

QDockWidget* InspectMode::makeDock(const QString& title, const QString& name, QWidget* content) {
  auto* dock = new QDockWidget(title);
  dock->setObjectName(name);
  dock->setWidget(content);
  dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                    QDockWidget::DockWidgetFloatable);
  return dock;
}

void InspectMode::createActions() {
  auto make = [this](const QString& text, const QString& name, const QString& tip) {
    auto* a = new QAction(text, this);
    a->setObjectName(name);
    a->setToolTip(tip);
    m_actions.toolBar.append(a);
    return a;
  };
  m_explainAct = make(tr("Explain"), QStringLiteral("inspectExplain"),
                      tr("Compute the checked methods for the selected sample (Ctrl+E)"));
  m_explainAct->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  m_runSetAct = make(tr("Run Over Set"), QStringLiteral("inspectRunSet"),
                     tr("Run one method over a set of samples and sort them by deletion AUC"));
  m_cancelAct = make(tr("Cancel"), QStringLiteral("inspectCancel"),
                     tr("Stop the run over the set after the sample in progress"));
  m_exportAct =
      make(tr("Export PNG…"), QStringLiteral("inspectExport"), tr("Save the maps as a PNG image"));
  m_checkpointAct = new QAction(tr("Checkpoint…"), this);
  m_checkpointAct->setObjectName(QStringLiteral("inspectCheckpoint"));
  m_checkpointAct->setToolTip(tr("Explain the weights of a checkpoint file (.ckpt) of this model"));
  connect(m_explainAct, &QAction::triggered, this, &InspectMode::explain);
  connect(m_runSetAct, &QAction::triggered, this, [this] { runOverSet(); });
  connect(m_cancelAct, &QAction::triggered, this, &InspectMode::cancelRun);
  connect(m_exportAct, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        m_central, tr("Export PNG"), QStringLiteral("inspect-%1.png").arg(m_sample),
        tr("PNG images (*.png)"));
    if (!path.isEmpty()) exportPng(path);
  });
  connect(m_checkpointAct, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getOpenFileName(m_central, tr("Explain a Checkpoint"),
                                                      weightsSource(), tr("Checkpoints (*.ckpt)"));
    if (!path.isEmpty()) setCheckpoint(path);
  });
}

QWidget* InspectMode::createCentral() {
  auto* root = new QWidget;
  root->setObjectName(QStringLiteral("inspectCentral"));
  auto* layout = new QVBoxLayout(root);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);

  auto* bar = new QWidget;
  auto* row = new QHBoxLayout(bar);
  row->setContentsMargins(12, 6, 12, 6);
  row->addWidget(new QLabel(tr("Opacity")));
  m_opacity = new QSlider(Qt::Horizontal);
  m_opacity->setObjectName(QStringLiteral("inspectOpacity"));
  m_opacity->setRange(0, 100);
  m_opacity->setValue(65);
  m_opacity->setFixedWidth(160);
  m_opacity->setToolTip(tr("How strongly the maps' colour covers the image"));
  row->addWidget(m_opacity);
  m_opacityValue = new QLabel(QStringLiteral("65 %"));
  m_opacityValue->setMinimumWidth(40);
  row->addWidget(m_opacityValue);
  row->addSpacing(16);
  m_hover = new QLabel;
  m_hover->setObjectName(QStringLiteral("inspectHover"));
  m_hover->setTextInteractionFlags(Qt::TextSelectableByMouse);
  row->addWidget(m_hover, 1);
  auto* exportButton = new QToolButton;
  exportButton->setDefaultAction(m_exportAct);
  row->addWidget(exportButton);
  layout->addWidget(bar);

  m_view = new AttributionView;
  auto* scroll = new QScrollArea;
  scroll->setWidget(m_view);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  layout->addWidget(scroll, 1);

  connect(m_opacity, &QSlider::valueChanged, this, [this](int v) {
    m_view->setOpacity(v / 100.0);
    m_opacityValue->setText(QStringLiteral("%1 %").arg(v));
  });
  connect(m_view, &AttributionView::hoverChanged, m_hover, &QLabel::setText);
  return root;
}

QWidget* InspectMode::createSamplesPanel() {
  auto* panel = new QWidget;
  auto* layout = new QVBoxLayout(panel);
  m_weights = new QLabel(tr("Not loaded yet."));
  m_weights->setObjectName(QStringLiteral("inspectWeights"));
  m_weights->setWordWrap(true);
  m_weights->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_weights);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(buttonFor(m_checkpointAct));
  auto* reloadButton = new QPushButton(tr("Reload"));
  reloadButton->setToolTip(tr("Load the model and its weights again"));
  connect(reloadButton, &QPushButton::clicked, this, &InspectMode::reload);
  buttons->addWidget(reloadButton);
  buttons->addStretch(1);
  layout->addLayout(buttons);

  auto* form = new QFormLayout;
  m_trueClass = new QComboBox;
  m_trueClass->setObjectName(QStringLiteral("inspectTrueClass"));
  m_predictedClass = new QComboBox;
  m_predictedClass->setObjectName(QStringLiteral("inspectPredictedClass"));
  m_misclassified = new QCheckBox(tr("Misclassified only"));
  m_misclassified->setObjectName(QStringLiteral("inspectMisclassified"));
  auto* conf = new QHBoxLayout;
  m_minConf = new QDoubleSpinBox;
  m_maxConf = new QDoubleSpinBox;
  for (QDoubleSpinBox* box : {m_minConf, m_maxConf}) {
    box->setRange(0, 100);
    box->setDecimals(0);
    box->setSuffix(QStringLiteral(" %"));
    box->setSingleStep(5);
    conf->addWidget(box);
    connect(box, &QDoubleSpinBox::valueChanged, this, &InspectMode::applyFilter);
  }
  m_minConf->setValue(0);
  m_maxConf->setValue(100);
  conf->insertWidget(1, new QLabel(QStringLiteral("–")));
  form->addRow(tr("True class"), m_trueClass);
  form->addRow(tr("Predicted"), m_predictedClass);
  form->addRow(tr("Confidence"), conf);
  form->addRow(QString(), m_misclassified);
  layout->addLayout(form);
  m_count = new QLabel;
  m_count->setObjectName(QStringLiteral("inspectCount"));
  layout->addWidget(m_count);

  m_table = new QTableView;
  m_table->setObjectName(QStringLiteral("inspectSamples"));
  m_table->setModel(m_model);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(SampleTableModel::Index, Qt::AscendingOrder);
  m_table->verticalHeader()->setVisible(false);
  m_table->verticalHeader()->setDefaultSectionSize(32);
  m_table->setIconSize(QSize(28, 28));
  m_table->setAlternatingRowColors(true);
  m_table->setMinimumWidth(380);  // room for "Predicted" and class names beside the thumbnail
  m_table->setWordWrap(false);    // one line per sample: "Ankle boot" wrapped made rows uneven
  m_table->setTextElideMode(Qt::ElideRight);
  QHeaderView* header = m_table->horizontalHeader();
  header->setSectionResizeMode(QHeaderView::ResizeToContents);
  header->setSectionResizeMode(SampleTableModel::True, QHeaderView::Stretch);
  header->setSectionResizeMode(SampleTableModel::Predicted, QHeaderView::Stretch);
  m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  layout->addWidget(m_table, 1);

  connect(m_trueClass, &QComboBox::currentIndexChanged, this, &InspectMode::applyFilter);
  connect(m_predictedClass, &QComboBox::currentIndexChanged, this, &InspectMode::applyFilter);
  connect(m_misclassified, &QCheckBox::toggled, this, &InspectMode::applyFilter);
  connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          &InspectMode::onSelectionChanged);
  return panel;
}

QWidget* InspectMode::createExplainPanel() {
  auto* panel = new QWidget;
  auto* layout = new QVBoxLayout(panel);
  auto* form = new QFormLayout;
  m_target = new QComboBox;
  m_target->setObjectName(QStringLiteral("inspectTarget"));
  m_target->setToolTip(tr("The class whose score the maps explain"));
  m_compare = new QComboBox;
  m_compare->setObjectName(QStringLiteral("inspectCompare"));
  m_compare->setToolTip(tr("A second class, explained in a second row of maps"));
  form->addRow(tr("Explain class"), m_target);
  form->addRow(tr("Compare with"), m_compare);
  layout->addLayout(form);

  layout->addWidget(new QLabel(tr("Methods")));
  m_methods = new QListWidget;
  m_methods->setObjectName(QStringLiteral("inspectMethods"));
  const ExplainerRegistry& reg = ExplainerRegistry::global();
  for (const auto& name : reg.names()) {
    const ExplainerInfo* info = reg.find(name);
    auto* item = new QListWidgetItem(QString::fromStdString(info->title), m_methods);
    item->setData(Qt::UserRole, QString::fromStdString(name));
    item->setToolTip(QString::fromStdString(info->description));
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Unchecked);
  }
  layout->addWidget(m_methods, 1);
  layout->addWidget(buttonFor(m_explainAct));

  auto* group = new QGroupBox(tr("Run over a set"));
  auto* g = new QFormLayout(group);
  m_batchMethod = new QComboBox;
  m_batchMethod->setObjectName(QStringLiteral("inspectBatchMethod"));
  for (const auto& name : reg.names())
    m_batchMethod->addItem(QString::fromStdString(reg.find(name)->title),
                           QString::fromStdString(name));
  m_batchSet = new QComboBox;
  m_batchSet->setObjectName(QStringLiteral("inspectBatchSet"));
  g->addRow(tr("Method"), m_batchMethod);
  g->addRow(tr("Samples"), m_batchSet);
  auto* runRow = new QHBoxLayout;
  runRow->addWidget(buttonFor(m_runSetAct));
  runRow->addWidget(buttonFor(m_cancelAct));
  g->addRow(runRow);
  m_progress = new QProgressBar;
  m_progress->setObjectName(QStringLiteral("inspectBatchProgress"));
  m_progress->setRange(0, 1);
  m_progress->setValue(0);
  g->addRow(m_progress);
  m_batchStatus =
      new QLabel(tr("The class explained is the one chosen above (the predicted "
                    "class by default); the samples are then sorted by deletion "
                    "AUC, best first."));
  m_batchStatus->setObjectName(QStringLiteral("inspectBatchStatus"));
  m_batchStatus->setWordWrap(true);
  g->addRow(m_batchStatus);
  layout->addWidget(group);

  connect(m_target, &QComboBox::currentIndexChanged, this, &InspectMode::scheduleExplain);
  connect(m_compare, &QComboBox::currentIndexChanged, this, &InspectMode::scheduleExplain);
  connect(m_methods, &QListWidget::itemChanged, this, &InspectMode::scheduleExplain);
  const int idx = m_batchMethod->findData(QStringLiteral("ig"));
  if (idx >= 0) m_batchMethod->setCurrentIndex(idx);
  return panel;
}

}  // namespace loom::studio
