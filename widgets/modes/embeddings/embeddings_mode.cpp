#include "widgets/modes/embeddings/embeddings_mode.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSignalBlocker>
#include <QSlider>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/modes/embeddings/neighbors_panel.h"
#include "widgets/modes/embeddings/point_style.h"
#include "widgets/modes/embeddings/point_view.h"
#include "widgets/modes/embeddings/points_panel.h"
#include "widgets/modes/embeddings/projection_job.h"
#include "widgets/modes/embeddings/projection_panel.h"
#include "widgets/shell/background.h"
#include "widgets/shell/image_export.h"

namespace loom::studio {

StudioMode* createEmbeddingsMode(const ModeContext& context, QObject* parent) {
  return new EmbeddingsMode(context, parent);
}

namespace {

using Loaded = Expected<std::shared_ptr<const EmbeddingSet>>;

QString csvCell(QString text) {
  if (text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) ||
      text.contains(QLatin1Char('\n'))) {
    text.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + text + QLatin1Char('"');
  }
  return text;
}

}  // namespace

EmbeddingsMode::EmbeddingsMode(const ModeContext& context, QObject* parent)
    : StudioMode(context, parent),
      m_centre(new QStackedWidget),
      m_view(new PointView),
      m_playTimer(new QTimer(this)),
      m_points(new PointsPanel),
      m_projection(new ProjectionPanel),
      m_neighbors(new NeighborsPanel),
      m_job(new ProjectionJob(this)) {
  m_centre->setObjectName(QStringLiteral("embeddingsCentre"));
  m_view->setObjectName(QStringLiteral("embeddingsView"));
  createActions();
  m_centre->addWidget(createCentre());
  m_pointsDock = makeDock(tr("Points"), QStringLiteral("embeddingsPointsDock"), m_points);
  m_projectionDock =
      makeDock(tr("Projection"), QStringLiteral("embeddingsProjectionDock"), m_projection);
  m_pointDock = makeDock(tr("Point"), QStringLiteral("embeddingsPointDock"), m_neighbors);

  connect(m_view, &PointView::pointClicked, this, &EmbeddingsMode::onPointClicked);
  connect(m_view, &PointView::selectionChanged, this, &EmbeddingsMode::onSelectionChanged);
  connect(m_neighbors, &NeighborsPanel::neighborsReady, this,
          [this](std::int64_t point) { m_view->setPicked(point, m_neighbors->neighbors()); });
  connect(m_neighbors, &NeighborsPanel::neighborActivated, this, &EmbeddingsMode::onPointClicked);
  connect(m_points, &PointsPanel::trackChosen, this, &EmbeddingsMode::setCurrentTrack);
  connect(m_points, &PointsPanel::colorColumnChosen, this, &EmbeddingsMode::recolor);
  connect(m_points, &PointsPanel::searchChanged, this, &EmbeddingsMode::search);
  connect(m_points, &PointsPanel::selectMatchesClicked, this, [this] {
    if (!m_matches.empty()) m_view->setSelection(m_matches);
  });
  connect(m_points, &PointsPanel::clearSelectionClicked, this,
          [this] { m_view->setSelection({}); });
  connect(m_projection, &ProjectionPanel::runRequested, this, &EmbeddingsMode::runProjection);
  connect(m_projection, &ProjectionPanel::cancelRequested, m_job, &ProjectionJob::cancel);
  connect(m_job, &ProjectionJob::progress, m_projection, &ProjectionPanel::showProgress);
  connect(m_job, &ProjectionJob::layout, this,
          [this](qint64, const ProjectionJob::Positions& p) { onLiveLayout(p, false); });
  connect(m_job, &ProjectionJob::finished, this,
          [this](bool ok, const QString& message, const ProjectionJob::Positions& p) {
            m_projection->setRunning(false);
            if (ok) {
              onLiveLayout(p, true);
              m_projection->showMessage(tr("Done."), false);
            } else {
              m_projection->showMessage(message, true);
            }
          });
  connect(m_slider, &QSlider::valueChanged, this, &EmbeddingsMode::showFrames);
  m_playTimer->setInterval(30);
  connect(m_playTimer, &QTimer::timeout, this, [this] {
    if (m_slider->value() >= m_slider->maximum()) {
      m_playTimer->stop();
      m_play->setText(tr("Play"));
      return;
    }
    m_slider->setValue(std::min(m_slider->maximum(), m_slider->value() + 3));
  });
  connect(m_play, &QPushButton::clicked, this, [this] {
    if (m_playTimer->isActive()) {
      m_playTimer->stop();
      m_play->setText(tr("Play"));
      return;
    }
    if (m_slider->value() >= m_slider->maximum()) m_slider->setValue(0);
    m_play->setText(tr("Pause"));
    m_playTimer->start();
  });
  updateStatus();
}

EmbeddingsMode::~EmbeddingsMode() = default;

QIcon EmbeddingsMode::icon() const {
  return QIcon(QStringLiteral(":/modes/embeddings/embeddings.svg"));
}
QWidget* EmbeddingsMode::widget() const {
  return m_centre;
}
QList<QDockWidget*> EmbeddingsMode::docks() const {
  return {m_pointsDock, m_projectionDock, m_pointDock};
}

void EmbeddingsMode::arrangeDocks(QMainWindow* window) {
  window->addDockWidget(Qt::LeftDockWidgetArea, m_pointsDock);
  window->addDockWidget(Qt::LeftDockWidgetArea, m_projectionDock);
  window->splitDockWidget(m_pointsDock, m_projectionDock, Qt::Vertical);
  window->addDockWidget(Qt::RightDockWidgetArea, m_pointDock);
  window->resizeDocks({m_pointsDock, m_pointDock}, {280, 300}, Qt::Horizontal);
}

QDockWidget* EmbeddingsMode::makeDock(const QString& title, const QString& name, QWidget* content) {
  auto* dock = new QDockWidget(title);
  dock->setObjectName(name);
  dock->setWidget(content);
  dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                    QDockWidget::DockWidgetFloatable);
  return dock;
}

QWidget* EmbeddingsMode::createCentre() {
  auto* page = new QWidget;
  m_slider = new QSlider(Qt::Horizontal);
  m_slider->setObjectName(QStringLiteral("embeddingsCheckpointSlider"));
  m_slider->setRange(0, 0);
  m_play = new QPushButton(tr("Play"));
  m_play->setObjectName(QStringLiteral("embeddingsPlay"));
  m_checkpointLabel = new QLabel;
  m_checkpointLabel->setMinimumWidth(140);
  m_status = new QLabel;
  m_status->setObjectName(QStringLiteral("embeddingsStatus"));
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  // Wrapped, so a long path in "Could not open …" never widens the window past the screen (it
  // did: an unwrapped label's minimum width is its whole text, and the window grew to 2,050 px).
  m_status->setWordWrap(true);
  m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  auto* open = new QPushButton(tr("Open Projector…"));
  connect(open, &QPushButton::clicked, this, &EmbeddingsMode::openDialog);

  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Checkpoint:")));
  bar->addWidget(m_slider, 1);
  bar->addWidget(m_checkpointLabel);
  bar->addWidget(m_play);
  auto* statusRow = new QHBoxLayout;
  statusRow->addWidget(m_status, 1);
  statusRow->addWidget(open);
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(m_view, 1);
  layout->addLayout(bar);
  layout->addLayout(statusRow);
  return page;
}

void EmbeddingsMode::createActions() {
  auto make = [this](const QString& text, const QString& name, const QString& tip) {
    auto* a = new QAction(text, this);
    a->setObjectName(name);
    a->setToolTip(tip);
    return a;
  };
  m_open = make(tr("Open Projector…"), QStringLiteral("embeddingsOpen"),
                tr("Open a projector directory, or a run directory holding projector/"));
  m_threeD = make(tr("3-D"), QStringLiteral("embeddingsThreeD"),
                  tr("Orbit in 3-D (drag to turn); off: the 2-D view"));
  m_threeD->setCheckable(true);
  m_lasso = make(tr("Lasso"), QStringLiteral("embeddingsLasso"),
                 tr("Drag to select the points inside a lasso (also Shift+drag)"));
  m_lasso->setCheckable(true);
  m_isolate = make(tr("Isolate Selection"), QStringLiteral("embeddingsIsolate"),
                   tr("Show only the selected points"));
  m_isolate->setCheckable(true);
  m_exportPng = make(tr("Export PNG…"), QStringLiteral("embeddingsExportPng"),
                     tr("Save the view as a PNG image"));
  m_exportCsv = make(tr("Export Selection CSV…"), QStringLiteral("embeddingsExportCsv"),
                     tr("Save the selected points (index, coordinates, metadata) as CSV"));
  connect(m_open, &QAction::triggered, this, &EmbeddingsMode::openDialog);
  connect(m_threeD, &QAction::toggled, m_view, &PointView::setThreeD);
  connect(m_lasso, &QAction::toggled, this, [this](bool on) {
    m_view->setTool(on ? PointView::Tool::Lasso : PointView::Tool::Navigate);
  });
  connect(m_isolate, &QAction::toggled, m_view, &PointView::setIsolated);
  connect(m_exportPng, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getSaveFileName(m_centre, tr("Export PNG"), m_lastDir,
                                                      tr("PNG images (*.png)"));
    QString error;
    if (!path.isEmpty() && !exportPng(path, &error))
      QMessageBox::warning(m_centre, tr("Export PNG"), error);
  });
  connect(m_exportCsv, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getSaveFileName(m_centre, tr("Export Selection"), m_lastDir,
                                                      tr("CSV files (*.csv)"));
    QString error;
    if (!path.isEmpty() && !exportSelectionCsv(path, &error))
      QMessageBox::warning(m_centre, tr("Export Selection"), error);
  });
  m_actions.toolBar = {m_open, m_threeD, m_lasso, m_isolate, m_exportPng, m_exportCsv};
  m_actions.viewMenu = {m_threeD, m_isolate};
}

void EmbeddingsMode::openDialog() {
  const QString dir =
      QFileDialog::getExistingDirectory(m_centre, tr("Open Projector Directory"), m_lastDir);
  if (!dir.isEmpty()) openProjector(dir);
}

// ---- loading ----

void EmbeddingsMode::openProjector(const QString& dir) {
  const std::uint64_t generation = ++m_loadGeneration;
  m_status->setText(tr("Reading %1 …").arg(dir));
  runInBackgroundThen(
      this, [dir] { return loadEmbeddingSet(dir); },
      [this, generation, dir](const Loaded& result) {
        if (generation != m_loadGeneration) return;  // superseded
        if (!result) {
          const QString message = QString::fromStdString(result.status().message());
          m_status->setText(tr("Could not open %1: %2").arg(dir, message));
          emit statusMessage(message);
          emit loaded(false, message);
          return;
        }
        m_lastDir = dir;
        setLoaded(*result);
        emit loaded(true, QString());
      });
}

void EmbeddingsMode::setLoaded(std::shared_ptr<const EmbeddingSet> set) {
  m_job->cancel();
  m_set = std::move(set);
  m_tracks = m_set->tracks;
  m_track = -1;
  m_liveTrack = -1;
  m_matches.clear();
  m_view->setSprite(m_set->sprite, m_set->cellWidth, m_set->cellHeight);
  QStringList columns;
  for (const auto& c : m_set->metadata.columns) columns << QString::fromStdString(c);
  const int labelColumn = columns.isEmpty() ? -1 : 0;
  m_points->setColumns(columns, labelColumn);
  m_points->searchEdit()->clear();
  m_neighbors->setSet(m_set, m_set->originals.empty() ? -1 : 0);
  if (m_tracks.empty()) {
    // Activations only: show a PCA layout (quick) until the user runs something else.
    m_projection->methodBox()->setCurrentText(QStringLiteral("pca"));
    refreshTracks(-1);
    runProjection();
  } else {
    refreshTracks(0);
    setCurrentTrack(0);
  }
  recolor(labelColumn);
  updateStatus();
}

void EmbeddingsMode::refreshTracks(int current) {
  QStringList names;
  for (const auto& t : m_tracks)
    names << (t.live ? tr("%1 (computed here)").arg(t.name) : t.name) +
                 (t.frames.size() > 1 ? tr(" · %1 checkpoints").arg(t.frames.size()) : QString());
  m_points->setTracks(names, current);
}

void EmbeddingsMode::setCurrentTrack(int index) {
  if (index < 0 || index >= int(m_tracks.size())) return;
  const bool changed = index != m_track;
  m_track = index;
  const LayoutTrack& track = m_tracks[std::size_t(index)];
  if (changed) {
    const QSignalBlocker block(m_slider);
    m_slider->setRange(0, int(track.frames.size() - 1) * kSliderSteps);
    m_slider->setValue(0);
    m_slider->setEnabled(track.frames.size() > 1);
    m_play->setEnabled(track.frames.size() > 1);
    if ((track.dims == 3) != m_threeD->isChecked()) m_threeD->setChecked(track.dims == 3);
    if (m_points->trackBox()->currentIndex() != index) {
      const QSignalBlocker b2(m_points->trackBox());
      m_points->trackBox()->setCurrentIndex(index);
    }
  }
  showFrames();
}

double EmbeddingsMode::checkpointPosition() const {
  return double(m_slider->value()) / kSliderSteps;
}

int EmbeddingsMode::currentOriginal() const {
  if (!m_set) return -1;
  if (m_track < 0) return m_set->originals.empty() ? -1 : 0;
  const LayoutTrack& track = m_tracks[std::size_t(m_track)];
  const auto frame = std::size_t(std::lround(checkpointPosition()));
  return frame < track.originals.size() ? track.originals[frame] : -1;
}

void EmbeddingsMode::showFrames() {
  if (m_track < 0) return;
  const LayoutTrack& track = m_tracks[std::size_t(m_track)];
  if (track.frames.empty()) return;
  const int value = m_slider->value();
  const auto a = std::min(std::size_t(value / kSliderSteps), track.frames.size() - 1);
  const auto b = std::min(a + 1, track.frames.size() - 1);
  m_view->setFrames(track.frames[a], track.frames[b], double(value % kSliderSteps) / kSliderSteps);
  const auto nearest = std::size_t(std::lround(checkpointPosition()));
  const QString tag =
      nearest < std::size_t(track.tags.size()) ? track.tags[int(nearest)] : QString();
  m_checkpointLabel->setText(track.frames.size() > 1 ? tr("%1 (%2 of %3)")
                                                           .arg(tag.isEmpty() ? tr("frame") : tag)
                                                           .arg(nearest + 1)
                                                           .arg(track.frames.size())
                                                     : tag);
  m_neighbors->setOriginal(currentOriginal());
  updateStatus();
}

// ---- colour, search, selection, pick ----

void EmbeddingsMode::recolor(int column) {
  if (!m_set) return;
  const std::uint64_t generation = ++m_colorGeneration;
  auto set = m_set;
  runInBackgroundThen(
      this, [set, column] { return colorByColumn(*set, column); },
      [this, generation, set](const PointColors& colors) {
        if (generation != m_colorGeneration || set != m_set) return;
        m_view->setColors(colors.rgba);
        m_points->setLegend(colors.legend, colors.numeric);
      });
}

void EmbeddingsMode::search(int column, const QString& pattern) {
  if (!m_set) return;
  const std::uint64_t generation = ++m_searchGeneration;
  if (pattern.isEmpty()) {
    m_matches.clear();
    m_view->setMatches({});
    m_points->setMatchCount(0, m_set->points);
    return;
  }
  const QRegularExpression re(pattern, QRegularExpression::CaseInsensitiveOption);
  if (!re.isValid()) {
    m_points->setSearchError(
        tr("invalid pattern at %1: %2").arg(re.patternErrorOffset()).arg(re.errorString()));
    return;
  }
  auto set = m_set;
  runInBackgroundThen(
      this, [set, column, re] { return matchMetadata(*set, column, re); },
      [this, generation, set](const std::vector<std::uint8_t>& matches) {
        if (generation != m_searchGeneration || set != m_set) return;
        m_matches = matches;
        m_view->setMatches(matches);
        m_points->setMatchCount(std::count(matches.begin(), matches.end(), std::uint8_t(1)),
                                set->points);
      });
}

void EmbeddingsMode::onPointClicked(std::int64_t index) {
  m_view->setPicked(index, {});
  m_neighbors->showPoint(index);
  if (index >= 0) emit statusMessage(tr("Point %1").arg(index));
}

void EmbeddingsMode::onSelectionChanged(std::int64_t count) {
  m_points->setSelectionCount(count, m_set ? m_set->points : 0);
  updateStatus();
}

// ---- live projection ----

bool EmbeddingsMode::runProjection() {
  if (!m_set || m_job->running()) return false;
  const int original = currentOriginal();
  if (original < 0) {
    m_projection->showMessage(tr("This directory has no original vectors to project."), true);
    return false;
  }
  const embed::ProjectionOptions options = m_projection->options();
  const Tensor& points = m_set->originals[std::size_t(original)];
  if (!m_job->start(points, options)) return false;
  LayoutTrack live;
  live.name = m_set->originalNames[original] + '/' + embed::projectionName(options.method);
  live.dims = options.components;
  live.tags << m_set->originalTags[original];
  live.originals.push_back(original);
  live.live = true;
  // A rerun of the same projection replaces its live track instead of adding another.
  m_liveTrack = -1;
  for (std::size_t t = 0; t < m_tracks.size(); ++t)
    if (m_tracks[t].live && m_tracks[t].name == live.name && m_tracks[t].dims == live.dims)
      m_liveTrack = int(t);
  if (m_liveTrack < 0) {
    m_tracks.push_back(live);
    m_liveTrack = int(m_tracks.size() - 1);
  } else {
    m_tracks[std::size_t(m_liveTrack)].frames.clear();
  }
  m_liveOriginal = original;
  m_projection->setRunning(true);
  m_projection->showMessage(tr("Projecting %1 …").arg(live.name), false);
  return true;
}

void EmbeddingsMode::onLiveLayout(const std::shared_ptr<const std::vector<float>>& positions,
                                  bool final) {
  if (m_liveTrack < 0 || !positions || !m_set ||
      std::int64_t(positions->size()) != m_set->points * 3)
    return;
  LayoutTrack& track = m_tracks[std::size_t(m_liveTrack)];
  const bool first = track.frames.empty();
  track.frames = {positions};
  if (first || final) refreshTracks(m_track);
  if (first) m_track = -1;  // force setCurrentTrack to reset slider and camera
  if (first || m_track == m_liveTrack) setCurrentTrack(m_liveTrack);
  if (final) m_liveTrack = -1;
}

// ---- export ----

bool EmbeddingsMode::exportPng(const QString& path, QString* error) {
  QImage image = m_view->grabFramebuffer();
  if (image.isNull()) {
    if (error)
      *error = m_view->unavailableReason().isEmpty()
                   ? tr("nothing to export yet: the view has not drawn a frame")
                   : m_view->unavailableReason();
    return false;
  }
  saveImageInBackground(std::move(image), path, this, [this, path](const QString& failure) {
    emit statusMessage(failure.isEmpty() ? tr("Exported %1").arg(path) : failure);
    emit pngExported(path, failure);
  });
  return true;
}

bool EmbeddingsMode::exportSelectionCsv(const QString& path, QString* error) {
  const auto& selected = m_view->selection();
  if (!m_set || m_track < 0 || m_view->selectedCount() == 0) {
    if (error) *error = tr("nothing is selected: lasso some points first");
    return false;
  }
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
    if (error) *error = tr("could not write %1: %2").arg(path, file.errorString());
    return false;
  }
  const int dims = m_tracks[std::size_t(m_track)].dims;
  QStringList header{QStringLiteral("index"), QStringLiteral("x"), QStringLiteral("y")};
  if (dims == 3) header << QStringLiteral("z");
  for (const auto& c : m_set->metadata.columns) header << csvCell(QString::fromStdString(c));
  QByteArray out = header.join(QLatin1Char(',')).toUtf8() + '\n';
  for (std::int64_t i = 0; i < m_set->points; ++i) {
    if (!selected[std::size_t(i)]) continue;
    const QVector3D p = m_view->position(i);
    QStringList row{QString::number(i), QString::number(p.x(), 'g', 9),
                    QString::number(p.y(), 'g', 9)};
    if (dims == 3) row << QString::number(p.z(), 'g', 9);
    for (int c = 0; c < int(m_set->metadata.columns.size()); ++c) row << csvCell(m_set->cell(i, c));
    out += row.join(QLatin1Char(',')).toUtf8() + '\n';
  }
  file.write(out);
  if (!file.commit()) {
    if (error) *error = tr("could not write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

// ---- status and state ----

void EmbeddingsMode::updateStatus() {
  const bool any = bool(m_set);
  m_exportPng->setEnabled(any);
  m_exportCsv->setEnabled(any && m_view->selectedCount() > 0);
  if (!any) {
    m_status->setText(
        tr("No embeddings open. Open a projector directory (written by "
           "`loom embed` or TensorBoard) or a run directory holding projector/."));
    return;
  }
  QStringList parts{tr("%1 points").arg(m_set->points)};
  const int original = currentOriginal();
  if (original >= 0)
    parts << tr("neighbours in %1 (%2 dims)")
                 .arg(m_set->originalNames[original])
                 .arg(m_set->originals[std::size_t(original)].dim(1));
  if (m_view->selectedCount() > 0) parts << tr("%1 selected").arg(m_view->selectedCount());
  if (!m_set->warnings.isEmpty())
    parts << tr("%n warning(s): %1", nullptr, int(m_set->warnings.size()))
                 .arg(m_set->warnings.front());
  m_status->setText(parts.join(QStringLiteral(" · ")));
  m_status->setToolTip(m_set->dir);
}

void EmbeddingsMode::saveState(QSettings& settings) const {
  settings.setValue(QStringLiteral("lastDirectory"), m_lastDir);
  settings.setValue(QStringLiteral("neighbors/k"), m_neighbors->k());
  settings.setValue(QStringLiteral("neighbors/metric"), int(m_neighbors->metric()));
}

void EmbeddingsMode::restoreState(QSettings& settings) {
  m_lastDir = settings.value(QStringLiteral("lastDirectory")).toString();
  m_neighbors->setK(settings.value(QStringLiteral("neighbors/k"), 10).toInt());
  m_neighbors->setMetric(embed::KnnMetric(
      settings.value(QStringLiteral("neighbors/metric"), int(embed::KnnMetric::Euclidean))
          .toInt()));
}

}  // namespace loom::studio
