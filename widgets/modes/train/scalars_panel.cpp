#include "widgets/modes/train/scalars_panel.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSlider>
#include <QTimer>
#include <QVBoxLayout>

#include "widgets/modes/train/decimator.h"
#include "widgets/modes/train/run_store.h"

namespace loom::studio {

ScalarsPanel::ScalarsPanel(RunStore* store, QWidget* parent)
    : QWidget(parent), m_store(store), m_decimator(new Decimator) {
  qRegisterMetaType<loom::studio::DecimationRequest>();
  qRegisterMetaType<loom::studio::DecimationResult>();
  m_thread.setObjectName(QStringLiteral("ChartDecimator"));
  m_decimator->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_decimator, &QObject::deleteLater);
  m_thread.start();
  // Warm-up: QCustomPlot's first replot in a process builds font and label caches (tens of
  // milliseconds); paying it here, when the mode is created, keeps it out of the moment the
  // first live chart appears during a run.
  {
    QCustomPlot warm;
    warm.resize(320, 200);
    warm.addGraph()->setData({0, 1}, {0, 1});
    warm.rescaleAxes();
    (void)warm.toPixmap(320, 200);
  }

  m_smoothingKind = new QComboBox;
  m_smoothingKind->setObjectName(QStringLiteral("smoothingKind"));
  m_smoothingKind->addItems({tr("EMA (debiased)"), tr("Centred average")});
  m_smoothing = new QSlider(Qt::Horizontal);
  m_smoothing->setObjectName(QStringLiteral("smoothing"));
  m_smoothing->setRange(0, 99);
  m_smoothing->setValue(60);
  m_smoothing->setMaximumWidth(160);
  m_smoothingLabel = new QLabel;
  m_smoothingLabel->setMinimumWidth(56);
  m_xAxis = new QComboBox;
  m_xAxis->setObjectName(QStringLiteral("xAxis"));
  m_xAxis->addItems({tr("Step"), tr("Relative time"), tr("Wall time")});
  m_logY = new QCheckBox(tr("Log y"));
  m_logY->setObjectName(QStringLiteral("logY"));
  m_raw = new QCheckBox(tr("Raw"));
  m_raw->setObjectName(QStringLiteral("showRaw"));
  m_raw->setChecked(true);
  m_raw->setToolTip(tr("Draw the unsmoothed values faintly behind the smoothed curve"));
  m_tagFilter = new QLineEdit;
  m_tagFilter->setObjectName(QStringLiteral("tagFilter"));
  m_tagFilter->setPlaceholderText(tr("Filter tags (regular expression)"));
  m_tagFilter->setClearButtonEnabled(true);

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Smoothing")));
  controls->addWidget(m_smoothingKind);
  controls->addWidget(m_smoothing);
  controls->addWidget(m_smoothingLabel);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("X axis")));
  controls->addWidget(m_xAxis);
  controls->addWidget(m_logY);
  controls->addWidget(m_raw);
  controls->addSpacing(12);
  controls->addWidget(m_tagFilter, 1);

  m_grid = new QWidget;
  m_gridLayout = new QGridLayout(m_grid);
  m_gridLayout->setSpacing(8);
  m_empty =
      new QLabel(tr("No scalars yet. Start a run in the Run panel, or open a log "
                    "directory (File → Open Log Directory…)."));
  m_empty->setObjectName(QStringLiteral("scalarsEmpty"));
  m_empty->setAlignment(Qt::AlignCenter);
  m_empty->setWordWrap(true);
  m_gridLayout->addWidget(m_empty, 0, 0);
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidget(m_grid);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(scroll, 1);

  for (QComboBox* box : {m_smoothingKind, m_xAxis})
    connect(box, &QComboBox::currentIndexChanged, this, &ScalarsPanel::readControls);
  connect(m_smoothing, &QSlider::valueChanged, this, &ScalarsPanel::readControls);
  for (QCheckBox* box : {m_logY, m_raw})
    connect(box, &QCheckBox::toggled, this, &ScalarsPanel::readControls);
  connect(m_tagFilter, &QLineEdit::textChanged, this, &ScalarsPanel::relayout);
  connect(store, &RunStore::scalarsChanged, this, &ScalarsPanel::scheduleSync);
  connect(store, &RunStore::runsReset, this, &ScalarsPanel::syncCharts);
  readControls();
  syncCharts();
}

ScalarsPanel::~ScalarsPanel() {
  m_thread.quit();
  m_thread.wait();
}

void ScalarsPanel::readControls() {
  ChartSettings s;
  s.smoothing = m_smoothingKind->currentIndex() == 0 ? SmoothingKind::Ema : SmoothingKind::Centred;
  s.emaWeight = m_smoothing->value() / 100.0;
  // The same slider picks the window: 0 → none, 99 → 199 points.
  s.window = 1 + 2 * m_smoothing->value();
  s.x = static_cast<XAxisKind>(m_xAxis->currentIndex());
  s.logY = m_logY->isChecked();
  s.showRaw = m_raw->isChecked();
  m_smoothingLabel->setText(s.smoothing == SmoothingKind::Ema ? QString::number(s.emaWeight, 'f', 2)
                                                              : tr("%1 pts").arg(s.window));
  m_settings = s;
  for (ScalarChart* c : m_charts) c->setSettings(s);
}

void ScalarsPanel::setSettings(const ChartSettings& s) {
  m_smoothingKind->setCurrentIndex(s.smoothing == SmoothingKind::Ema ? 0 : 1);
  m_smoothing->setValue(s.smoothing == SmoothingKind::Ema ? int(std::lround(s.emaWeight * 100))
                                                          : (s.window - 1) / 2);
  m_xAxis->setCurrentIndex(static_cast<int>(s.x));
  m_logY->setChecked(s.logY);
  m_raw->setChecked(s.showRaw);
  readControls();
}

void ScalarsPanel::setVisibleRuns(const QSet<int>& runs) {
  m_visible = runs;
  for (ScalarChart* c : m_charts) c->setVisibleRuns(runs);
}

void ScalarsPanel::scheduleSync() {
  if (m_syncScheduled) return;
  m_syncScheduled = true;
  QTimer::singleShot(0, this, &ScalarsPanel::syncCharts);
}

void ScalarsPanel::syncCharts() {
  // One new chart per event-loop pass: a chart's first layout and replot take a few
  // milliseconds each, and creating many at once would stall the GUI thread.
  m_syncScheduled = false;
  bool added = false;
  for (const QString& tag : m_store->scalarTags()) {
    if (m_charts.contains(tag)) continue;
    if (added) {
      scheduleSync();
      break;
    }
    auto* chart = new ScalarChart(m_store, tag, m_grid);
    // Connected before anything asks for data: a request nobody receives would leave the
    // chart waiting for its answer forever.
    connect(chart, &ScalarChart::requestDecimation, m_decimator, &Decimator::process,
            Qt::QueuedConnection);
    connect(m_decimator, &Decimator::decimated, chart, &ScalarChart::onDecimated,
            Qt::QueuedConnection);
    chart->setSettings(m_settings);
    if (m_visible) chart->setVisibleRuns(*m_visible);
    chart->plot()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(chart->plot(), &QWidget::customContextMenuRequested, this,
            [this, chart](const QPoint& pos) { chartMenu(chart, pos); });
    m_charts.insert(tag, chart);
    // The first request once the chart is laid out (the layout is applied on this pass): one
    // sent now would ask the worker for an image of an empty plot, and with many runs the
    // chart would draw its first frame with the slow graphs instead of the worker's image.
    QTimer::singleShot(0, chart, &ScalarChart::refresh);
    added = true;
  }
  if (added) relayout();
}

void ScalarsPanel::relayout() {
  const QRegularExpression filter(m_tagFilter->text(), QRegularExpression::CaseInsensitiveOption);
  m_tagFilter->setStyleSheet(filter.isValid() ? QString() : QStringLiteral("color: #c0392b;"));
  m_tagFilter->setToolTip(filter.isValid() ? QString() : filter.errorString());
  QStringList tags = m_charts.keys();
  tags.sort();
  for (ScalarChart* c : m_charts) m_gridLayout->removeWidget(c);
  int shown = 0;
  const int columns = 2;
  for (const QString& tag : tags) {
    ScalarChart* c = m_charts[tag];
    const bool visible = !filter.isValid() || filter.match(tag).hasMatch();
    c->setVisible(visible);
    if (!visible) continue;
    m_gridLayout->addWidget(c, shown / columns, shown % columns);
    ++shown;
  }
  m_empty->setVisible(m_charts.isEmpty());
}

void ScalarsPanel::chartMenu(ScalarChart* chart, const QPoint& pos) {
  QMenu menu(this);
  menu.addAction(tr("Export PNG…"), this, [this, chart] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Chart"),
        QString(chart->tag()).replace(QLatin1Char('/'), QLatin1Char('_')) + QStringLiteral(".png"),
        tr("PNG images (*.png)"));
    if (!path.isEmpty() && !chart->savePng(path))
      QMessageBox::warning(this, tr("Export Chart"), tr("Cannot write %1.").arg(path));
  });
  menu.addAction(tr("Export CSV…"), this, [this, chart] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Data"),
        QString(chart->tag()).replace(QLatin1Char('/'), QLatin1Char('_')) + QStringLiteral(".csv"),
        tr("CSV files (*.csv)"));
    QString error;
    if (!path.isEmpty() && !chart->saveCsv(path, &error))
      QMessageBox::warning(this, tr("Export Data"), error);
  });
  menu.exec(chart->plot()->mapToGlobal(pos));
}

}  // namespace loom::studio
