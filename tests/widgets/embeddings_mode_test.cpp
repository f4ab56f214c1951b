// Embeddings mode in a real window under Xvfb (the point view draws with OpenGL: GLX on Mesa's
// llvmpipe). The fixture trains the MLP example twice (5 and 60 steps) with the real `loom`
// and writes the activations of its penultimate layer over 600 Fashion-MNIST test images at
// both checkpoints, with a PCA trajectory, using `loom embed` — a projector directory as a user
// would have one. Then, driving the window:
//  * opening it gives one two-checkpoint track and the legend counts the labels of
//    metadata.tsv (parsed here);
//  * t-SNE runs live: layouts arrive and are drawn before the run ends, progress moves;
//  * a click on a point lists its k nearest neighbours in the original 128-D space equal to a
//    brute-force kNN in double precision computed here (Euclidean and cosine);
//  * a lasso drawn with mouse events selects exactly the points whose pixel positions —
//    computed here from the projector file, the documented normalisation and the documented
//    2-D camera — fall inside the polygon by an even-odd test written here; Isolate hides the
//    rest; the CSV export lists exactly them;
//  * the checkpoint slider shows the mix of the two frames; Play runs to the end;
//  * zooming in draws thumbnails; the 3-D view runs;
//  * a latency probe measures the longest GUI-thread stall (< 50 ms with LOOM_STRICT_TIMING=1,
//    as the other studio tests; otherwise only a freeze over 1 s fails).
// LOOM_EMBEDDINGS_SCREENSHOTS=<dir> saves embeddings-{2d-sprites,3d,neighbours,trajectory}.png.
#include "widgets/modes/embeddings/embeddings_mode.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "engine/embed/projector.h"
#include "tests/widgets/latency_probe.h"
#include "widgets/modes/embeddings/neighbors_panel.h"
#include "widgets/modes/embeddings/point_view.h"
#include "widgets/modes/embeddings/points_panel.h"
#include "widgets/modes/embeddings/projection_job.h"
#include "widgets/modes/embeddings/projection_panel.h"
#include "widgets/modes/mode_manager.h"
#include "widgets/shell/main_window.h"

using namespace loom;
using namespace loom::studio;
using loom::studio::test::LatencyProbe;

namespace {

constexpr int kPoints = 600;
const QString kMlp = QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/mlp.loom");

bool runLoom(const QStringList& args, QString* output) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(QStringLiteral(LOOM_BIN), args);
  if (!p.waitForFinished(300000)) return false;
  *output = QString::fromUtf8(p.readAll());
  return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

// The view's world coordinates as docs/embeddings.md and embedding_set.h define them,
// written again here: one centre and scale for all frames of a track (the union bounding
// box's centre to 0, its longest half-side to 1).
std::vector<std::vector<double>> normalise(const std::vector<const Tensor*>& frames) {
  const std::int64_t n = frames[0]->dim(0), d = frames[0]->dim(1);
  std::vector<double> lo(std::size_t(d), 1e300), hi(std::size_t(d), -1e300);
  for (const Tensor* f : frames)
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < d; ++k) {
        lo[std::size_t(k)] = std::min(lo[std::size_t(k)], double(f->f32()[i * d + k]));
        hi[std::size_t(k)] = std::max(hi[std::size_t(k)], double(f->f32()[i * d + k]));
      }
  double half = 0;
  for (std::int64_t k = 0; k < d; ++k)
    half = std::max(half, (hi[std::size_t(k)] - lo[std::size_t(k)]) / 2);
  std::vector<std::vector<double>> out;
  for (const Tensor* f : frames) {
    std::vector<double> w(std::size_t(n * 3), 0);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < d; ++k)
        w[std::size_t(i * 3 + k)] =
            (f->f32()[i * d + k] - (lo[std::size_t(k)] + hi[std::size_t(k)]) / 2) / half;
    out.push_back(std::move(w));
  }
  return out;
}

// Even-odd rule by crossing number.
bool insidePolygon(const std::vector<QPointF>& poly, QPointF p) {
  bool inside = false;
  for (std::size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    const QPointF a = poly[i], b = poly[j];
    if ((a.y() > p.y()) != (b.y() > p.y()) &&
        p.x() < (b.x() - a.x()) * (p.y() - a.y()) / (b.y() - a.y()) + a.x())
      inside = !inside;
  }
  return inside;
}

// k nearest neighbours of row q (itself excluded), in double precision; ties by index.
std::vector<std::int64_t> bruteForceKnn(const Tensor& x, std::int64_t q, int k, bool cosine,
                                        std::vector<double>* distances) {
  const std::int64_t n = x.dim(0), d = x.dim(1);
  const float* v = x.f32();
  auto norm = [&](std::int64_t i) {
    double s = 0;
    for (std::int64_t j = 0; j < d; ++j) s += double(v[i * d + j]) * v[i * d + j];
    return std::sqrt(s);
  };
  std::vector<std::pair<double, std::int64_t>> all;
  for (std::int64_t i = 0; i < n; ++i) {
    if (i == q) continue;
    double dist = 0;
    if (cosine) {
      double dot = 0;
      for (std::int64_t j = 0; j < d; ++j) dot += double(v[i * d + j]) * v[q * d + j];
      const double denom = norm(i) * norm(q);
      dist = 1 - (denom > 0 ? dot / denom : 0);
    } else {
      for (std::int64_t j = 0; j < d; ++j) {
        const double diff = double(v[i * d + j]) - v[q * d + j];
        dist += diff * diff;
      }
      dist = std::sqrt(dist);
    }
    all.push_back({dist, i});
  }
  std::sort(all.begin(), all.end());
  std::vector<std::int64_t> out;
  for (int j = 0; j < k; ++j) {
    out.push_back(all[std::size_t(j)].second);
    distances->push_back(all[std::size_t(j)].first);
  }
  return out;
}

const embed::ProjectorEmbedding* entry(const embed::ProjectorDirectory& dir, const char* name) {
  for (const auto& e : dir.embeddings)
    if (e.name == name) return &e;
  return nullptr;
}

}  // namespace

class EmbeddingsModeTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_tmp;
  QString m_projector;
  embed::ProjectorDirectory m_files;  // the directory as the engine's reader sees it
  std::unique_ptr<MainWindow> m_window;
  EmbeddingsMode* m_mode = nullptr;
  PointView* m_view = nullptr;
  LatencyProbe m_probe;
  double m_worstMs = 0;
  QByteArray m_worstPhase;

  void pauseProbe() {
    m_probe.stop();
    if (m_probe.worstMs() > m_worstMs)
      m_worstMs = m_probe.worstMs(), m_worstPhase = m_probe.worstPhase();
  }
  void screenshot(const char* name) {
    const QString dir = qEnvironmentVariable("LOOM_EMBEDDINGS_SCREENSHOTS");
    if (dir.isEmpty()) return;
    pauseProbe();
    QTest::qWait(200);
    // The window's grab, with the canvas's own last frame over the view: the pick rings and the
    // lasso are painted into that frame, which a grab of the window does not always include.
    QImage shot = m_window->grab().toImage();
    {
      QPainter painter(&shot);
      const QPoint at = m_view->mapTo(m_window.get(), QPoint(0, 0));
      painter.drawImage(QRect(at, m_view->size()), m_view->grabFramebuffer());
    }
    QVERIFY(shot.save(dir + QStringLiteral("/embeddings-%1.png").arg(name)));
    m_probe.start();
  }
  // The drawn frame shows a dark ring (the pick marker) around world point `p`: most pixels of
  // an annulus 8-24 px from its centre are near-black, as nothing else on screen is.
  void checkRingAround(QVector3D p) {
    QTest::qWait(100);
    const QImage frame = m_view->grabFramebuffer();
    const double dpr = frame.devicePixelRatio();
    const QMatrix4x4 mvp = m_view->camera().mvp(m_view->size());
    const QPointF c = *m_view->camera().toPixel(mvp, m_view->size(), p) * dpr;
    int dark = 0, all = 0;
    for (int y = int(c.y() - 25 * dpr); y <= int(c.y() + 25 * dpr); ++y)
      for (int x = int(c.x() - 25 * dpr); x <= int(c.x() + 25 * dpr); ++x) {
        const double r = std::hypot(x - c.x(), y - c.y()) / dpr;
        if (r < 8 || r > 24 || !frame.valid(x, y)) continue;
        ++all;
        dark += qGray(frame.pixel(x, y)) < 70;
      }
    qInfo("pick ring: %d of %d annulus pixels dark", dark, all);
    QVERIFY2(dark >= all / 10, qPrintable(QStringLiteral("%1 of %2 dark").arg(dark).arg(all)));
  }
  // Points of the current 2-D frame in pixels, as the test computes them.
  std::vector<QPointF> expectedPixels(const std::vector<double>& world) const {
    const ViewCamera& c = m_view->camera();
    const double w = m_view->width(), h = m_view->height(), s = c.zoom * std::min(w, h) / 2;
    std::vector<QPointF> px;
    for (int i = 0; i < kPoints; ++i)
      px.emplace_back(w / 2 + (world[std::size_t(i * 3)] - c.center.x()) * s,
                      h / 2 - (world[std::size_t(i * 3 + 1)] - c.center.y()) * s);
    return px;
  }
  void moveMouse(QPointF p, Qt::KeyboardModifiers mods) {
    QMouseEvent move(QEvent::MouseMove, p, m_view->mapToGlobal(p), Qt::NoButton, Qt::LeftButton,
                     mods);
    QCoreApplication::sendEvent(m_view, &move);
  }

 private slots:
  // No message, however long, makes the window wider than it was made (a long path did).
  void cleanup() {
    if (m_window)
      QVERIFY2(m_window->width() <= 1440, qPrintable(QString::number(m_window->width())));
  }
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Embeddings Test"));
    QSettings().clear();
    QVERIFY(m_tmp.isValid());
    QString out;
    const QString a = m_tmp.filePath(QStringLiteral("runA")),
                  b = m_tmp.filePath(QStringLiteral("runB"));
    for (const auto& [dir, steps] : {std::pair{a, 5}, std::pair{b, 60}}) {
      QVERIFY2(
          runLoom(
              {QStringLiteral("train"), kMlp, QStringLiteral("--max-steps"), QString::number(steps),
               QStringLiteral("--train-limit"), QStringLiteral("4096"), QStringLiteral("--no-test"),
               QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--run-dir"), dir},
              &out),
          qPrintable(out));
      QVERIFY(QFile::copy(dir + QStringLiteral("/checkpoints/last.ckpt"),
                          dir + QStringLiteral("/step%1.ckpt").arg(steps)));
    }
    m_projector = m_tmp.filePath(QStringLiteral("projector"));
    QVERIFY2(runLoom({QStringLiteral("embed"), kMlp, QStringLiteral("--checkpoint"),
                      a + QStringLiteral("/step5.ckpt"), QStringLiteral("--checkpoint"),
                      b + QStringLiteral("/step60.ckpt"), QStringLiteral("--limit"),
                      QString::number(kPoints), QStringLiteral("--threads"), QStringLiteral("1"),
                      QStringLiteral("-o"), m_projector},
                     &out),
             qPrintable(out));
    auto files = embed::readProjector(m_projector.toStdString());
    QVERIFY2(files, files.status().message().c_str());
    m_files = std::move(*files);

    MainWindowOptions options;
    options.autosaveDirectory = m_tmp.filePath(QStringLiteral("autosave"));
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1440, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_mode = m_window->findMode<EmbeddingsMode>();
    QVERIFY(m_mode);
    m_window->modeManager()->setCurrent(m_mode);
    m_window->showCurrentMode();
    m_view = m_mode->view();
    QTRY_VERIFY_WITH_TIMEOUT(!m_view->renderer().isEmpty(), 10000);
    qInfo("OpenGL renderer: %s", qPrintable(m_view->renderer()));
    m_probe.start();
  }

  void opensTheProjectorDirectory() {
    m_probe.phase("opening");
    QSignalSpy loaded(m_mode, &EmbeddingsMode::loaded);
    m_mode->openProjector(m_tmp.filePath(QStringLiteral("runA")));  // a run without projector/
    QTRY_COMPARE(loaded.count(), 1);
    QCOMPARE(loaded[0][0].toBool(), false);
    QVERIFY2(loaded[0][1].toString().contains(QStringLiteral("projector_config.pbtxt")),
             qPrintable(loaded[0][1].toString()));
    m_mode->openProjector(m_projector);
    QTRY_COMPARE(loaded.count(), 2);
    QVERIFY2(loaded[1][0].toBool(), qPrintable(loaded[1][1].toString()));
    auto set = m_mode->set();
    QCOMPARE(set->points, std::int64_t(kPoints));
    QCOMPARE(set->originalNames, QStringList({"relu2@step5", "relu2@step60"}));
    QCOMPARE(m_mode->tracks().size(), std::size_t(1));
    QCOMPARE(m_mode->tracks()[0].name, QStringLiteral("relu2/pca"));
    QCOMPARE(m_mode->tracks()[0].tags, QStringList({"step5", "step60"}));
    QCOMPARE(m_view->pointCount(), std::int64_t(kPoints));
    QCOMPARE(set->cellWidth, 28);
    // The legend counts each class as metadata.tsv says (parsed here).
    QFile tsv(m_projector + QStringLiteral("/metadata.tsv"));
    QVERIFY(tsv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(tsv.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), kPoints + 1);
    QMap<QString, int> counts;
    for (int i = 1; i < lines.size(); ++i) counts[lines[i].split('\t')[0]]++;
    QListWidget* legend = m_mode->pointsPanel()->legend();
    QTRY_COMPARE(legend->count(), counts.size());
    for (int r = 0; r < legend->count(); ++r) {
      const QString text = legend->item(r)->text();
      const QString label = text.section(QStringLiteral("  ("), 0, 0);
      QVERIFY2(counts.contains(label), qPrintable(text));
      QCOMPARE(text, QStringLiteral("%1  (%2)").arg(label).arg(counts[label]));
    }
  }

  void tsneRunsLiveAndStreams() {
    m_probe.phase("t-SNE");
    ProjectionPanel* panel = m_mode->projectionPanel();
    panel->methodBox()->setCurrentText(QStringLiteral("tsne"));
    panel->iterationsBox()->setValue(400);
    panel->perplexityBox()->setValue(20);
    ProjectionJob* job = m_mode->projectionJob();
    int layoutsBeforeEnd = 0, drawnIntermediate = 0, finished = 0;
    std::vector<qint64> optimizeDone;
    auto c1 =
        connect(job, &ProjectionJob::layout, this, [&](qint64, const ProjectionJob::Positions& p) {
          if (finished) return;
          ++layoutsBeforeEnd;
          // The mode's slot ran first: the view shows this very layout.
          const QVector3D shown = m_view->position(7);
          if (shown.x() == (*p)[21] && shown.y() == (*p)[22]) ++drawnIntermediate;
        });
    auto c2 = connect(job, &ProjectionJob::progress, this,
                      [&](const QString& stage, qint64 done, qint64, double) {
                        if (stage == QLatin1String("optimize")) optimizeDone.push_back(done);
                      });
    QSignalSpy done(job, &ProjectionJob::finished);
    auto c3 = connect(job, &ProjectionJob::finished, this, [&] { ++finished; });
    QTest::mouseClick(panel->runButton(), Qt::LeftButton);
    QVERIFY(job->running());
    QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, 240000);
    disconnect(c1);
    disconnect(c2);
    disconnect(c3);
    QVERIFY2(done[0][0].toBool(), qPrintable(done[0][1].toString()));
    qInfo("t-SNE: %d intermediate layouts, %zu progress reports", layoutsBeforeEnd,
          optimizeDone.size());
    QVERIFY2(layoutsBeforeEnd >= 3, qPrintable(QString::number(layoutsBeforeEnd)));
    QCOMPARE(drawnIntermediate, layoutsBeforeEnd);
    QVERIFY(optimizeDone.size() >= 3);
    QVERIFY(std::is_sorted(optimizeDone.begin(), optimizeDone.end()));
    QVERIFY(optimizeDone.front() < optimizeDone.back());
    QCOMPARE(optimizeDone.back(), qint64(400));  // the last report always comes
    QCOMPARE(m_mode->tracks().size(), std::size_t(2));
    QVERIFY(m_mode->tracks()[1].live);
    QCOMPARE(m_mode->currentTrack(), 1);
    QVERIFY(panel->progressBar()->value() == panel->progressBar()->maximum());
  }

  void clickListsTheNearestNeighbours() {
    m_probe.phase("click");
    m_mode->setCurrentTrack(0);
    m_mode->checkpointSlider()->setValue(0);
    QTest::qWait(50);
    // A point near the middle of the cloud.
    const QMatrix4x4 mvp = m_view->camera().mvp(m_view->size());
    std::int64_t target = 0;
    double best = 1e300;
    for (std::int64_t i = 0; i < kPoints; ++i) {
      const QPointF p = *m_view->camera().toPixel(mvp, m_view->size(), m_view->position(i));
      const double d = std::hypot(p.x() - m_view->width() * 0.45, p.y() - m_view->height() * 0.5);
      if (d < best) best = d, target = i;
    }
    const QPointF at = *m_view->camera().toPixel(mvp, m_view->size(), m_view->position(target));
    NeighborsPanel* panel = m_mode->neighborsPanel();
    QSignalSpy ready(panel, &NeighborsPanel::neighborsReady);
    QTest::mouseClick(m_view, Qt::LeftButton, {}, at.toPoint());
    QTRY_COMPARE(ready.count(), 1);
    const std::int64_t picked = panel->point();
    QVERIFY(picked >= 0);
    QCOMPARE(m_view->picked(), picked);
    checkRingAround(m_view->position(picked));
    const Tensor& original = entry(m_files, "relu2@step5")->values;
    QCOMPARE(original.dim(1), std::int64_t(128));
    for (bool cosine : {false, true}) {
      if (cosine) {
        panel->setMetric(embed::KnnMetric::Cosine);
        QTRY_COMPARE(ready.count(), 2);
      }
      std::vector<double> refDist;
      const auto ref = bruteForceKnn(original, picked, panel->k(), cosine, &refDist);
      QCOMPARE(panel->neighbors().size(), ref.size());
      for (std::size_t j = 0; j < ref.size(); ++j) {
        QCOMPARE(panel->neighbors()[j], ref[j]);
        QVERIFY2(std::abs(panel->distances()[j] - refDist[j]) <= 1e-4 * std::max(1.0, refDist[j]),
                 qPrintable(QStringLiteral("rank %1: %2 vs %3")
                                .arg(j)
                                .arg(panel->distances()[j])
                                .arg(refDist[j])));
      }
      QCOMPARE(panel->list()->topLevelItemCount(), int(ref.size()));
      QCOMPARE(panel->list()->topLevelItem(0)->text(1), QString::number(ref[0]));
    }
    panel->setMetric(embed::KnnMetric::Euclidean);
    QTRY_COMPARE(ready.count(), 3);
    screenshot("neighbours");
  }

  void lassoSelectsExactlyThePointsInside() {
    m_probe.phase("lasso");
    m_mode->setCurrentTrack(0);
    m_mode->checkpointSlider()->setValue(0);
    QVERIFY(!m_view->camera().threeD);
    const auto world = normalise(
        {&entry(m_files, "relu2/pca@step5")->values, &entry(m_files, "relu2/pca@step60")->values});
    const std::vector<QPointF> px = expectedPixels(world[0]);
    // The view's own positions agree with the file's (the slider is at the first checkpoint).
    for (int i = 0; i < kPoints; ++i)
      QVERIFY(std::abs(m_view->position(i).x() - world[0][std::size_t(i * 3)]) < 1e-5);
    // A star-shaped polygon around the cloud's middle, sent as mouse events, vertex by vertex
    // with points along each edge.
    const QPointF c(m_view->width() * 0.5, m_view->height() * 0.5);
    const double r = std::min(m_view->width(), m_view->height()) * 0.28;
    std::vector<QPointF> corners;
    for (int k = 0; k < 10; ++k) {
      const double angle = k * 3.14159265358979 / 5, rr = k % 2 ? r * 0.45 : r;
      corners.emplace_back(c.x() + rr * std::cos(angle), c.y() + rr * std::sin(angle));
    }
    std::vector<QPointF> sent;
    for (std::size_t k = 0; k < corners.size(); ++k)
      for (int s = 0; s < 4; ++s) {
        const QPointF a = corners[k], b = corners[(k + 1) % corners.size()];
        sent.push_back(QPointF((a + (b - a) * (s / 4.0)).toPoint()));
      }
    QTest::mousePress(m_view, Qt::LeftButton, Qt::ShiftModifier, sent[0].toPoint());
    for (std::size_t k = 1; k < sent.size(); ++k) moveMouse(sent[k], Qt::ShiftModifier);
    QSignalSpy changed(m_view, &PointView::selectionChanged);
    QTest::mouseRelease(m_view, Qt::LeftButton, Qt::ShiftModifier, sent.back().toPoint());
    QCOMPARE(changed.count(), 1);
    sent.push_back(sent.back());  // the release point closes the view's polygon as sent
    std::vector<std::int64_t> expected;
    for (int i = 0; i < kPoints; ++i)
      if (insidePolygon(sent, px[std::size_t(i)])) expected.push_back(i);
    std::vector<std::int64_t> got;
    for (int i = 0; i < kPoints; ++i)
      if (!m_view->selection().empty() && m_view->selection()[std::size_t(i)]) got.push_back(i);
    qInfo("lasso: %zu of %d points inside", expected.size(), kPoints);
    QVERIFY(expected.size() >= 10 && expected.size() < std::size_t(kPoints));
    QCOMPARE(got, expected);
    QCOMPARE(m_view->selectedCount(), std::int64_t(expected.size()));

    // Isolate: only the selection is drawn; the CSV lists exactly it.
    m_mode->isolateAction()->setChecked(true);
    for (int i = 0; i < kPoints; ++i)
      QCOMPARE(m_view->isShown(i), std::binary_search(expected.begin(), expected.end(), i));
    const QString csv = m_tmp.filePath(QStringLiteral("selection.csv"));
    QString error;
    QVERIFY2(m_mode->exportSelectionCsv(csv, &error), qPrintable(error));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows[0], QStringLiteral("index,x,y,label,class,index"));
    QCOMPARE(rows.size(), int(expected.size()) + 1);
    for (std::size_t k = 0; k < expected.size(); ++k) {
      const QStringList cells = rows[int(k) + 1].split(',');
      QCOMPARE(cells[0].toLongLong(), expected[k]);
      QVERIFY(std::abs(cells[1].toDouble() - world[0][std::size_t(expected[k] * 3)]) < 1e-5);
    }
    m_mode->isolateAction()->setChecked(false);
    QVERIFY(m_view->isShown(0) || m_view->isShown(1));
    const QString png = m_tmp.filePath(QStringLiteral("view.png"));
    QSignalSpy exported(m_mode, &EmbeddingsMode::pngExported);
    QVERIFY2(m_mode->exportPng(png, &error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 20000);  // written on a worker thread
    QVERIFY2(exported.at(0).at(1).toString().isEmpty(),
             qPrintable(exported.at(0).at(1).toString()));
    const QImage image(png);
    QCOMPARE(image.size(), m_view->size() * m_view->devicePixelRatio());
    QVERIFY(image.pixel(image.width() / 2, image.height() / 2) != image.pixel(0, 0) ||
            image.pixel(image.width() / 3, image.height() / 2) != image.pixel(0, 0));
  }

  void sliderMovesAlongTheTrajectory() {
    m_probe.phase("slider");
    m_mode->setCurrentTrack(0);
    const auto world = normalise(
        {&entry(m_files, "relu2/pca@step5")->values, &entry(m_files, "relu2/pca@step60")->values});
    QSlider* slider = m_mode->checkpointSlider();
    QVERIFY(slider->isEnabled());
    QCOMPARE(slider->maximum(), EmbeddingsMode::kSliderSteps);
    for (int value : {50, 100}) {
      slider->setValue(value);
      const double t = value / double(EmbeddingsMode::kSliderSteps);
      for (int i = 0; i < kPoints; ++i)
        for (int k = 0; k < 2; ++k) {
          const double want =
              world[0][std::size_t(i * 3 + k)] * (1 - t) + world[1][std::size_t(i * 3 + k)] * t;
          const double shown = k == 0 ? m_view->position(i).x() : m_view->position(i).y();
          QVERIFY2(std::abs(shown - want) < 1e-5, qPrintable(QString::number(i)));
        }
    }
    // Neighbours at the second checkpoint are measured in its own activations.
    QCOMPARE(m_mode->currentOriginal(), 1);
    slider->setValue(40);
    screenshot("trajectory");
    slider->setValue(0);
    QTest::mouseClick(m_mode->playButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(slider->value(), slider->maximum(), 10000);
  }

  void zoomingInDrawsThumbnails() {
    m_probe.phase("zoom");
    m_mode->setCurrentTrack(1);  // the t-SNE layout
    m_view->setCamera(ViewCamera{});
    QTest::qWait(100);
    QVERIFY(!m_view->spritesShown());
    // Zoom towards the middle with the wheel until thumbnails replace the dots.
    const QPoint centre(m_view->width() / 2, m_view->height() / 2);
    for (int step = 0; step < 20 && !m_view->spritesShown(); ++step) {
      QWheelEvent wheel(centre, m_view->mapToGlobal(centre), {}, {0, 120}, Qt::NoButton, {},
                        Qt::NoScrollPhase, false);
      QCoreApplication::sendEvent(m_view, &wheel);
      QTest::qWait(60);
    }
    QVERIFY(m_view->spritesShown());
    QVERIFY(m_view->camera().zoom > 0.9);
    screenshot("2d-sprites");
  }

  void threeDViewRuns() {
    m_probe.phase("3-D");
    ProjectionPanel* panel = m_mode->projectionPanel();
    panel->methodBox()->setCurrentText(QStringLiteral("pca"));
    panel->componentsBox()->setValue(3);
    m_mode->setCurrentTrack(0);
    m_mode->checkpointSlider()->setValue(EmbeddingsMode::kSliderSteps);  // second checkpoint
    QSignalSpy done(m_mode->projectionJob(), &ProjectionJob::finished);
    QVERIFY(m_mode->runProjection());
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
    QVERIFY(done[0][0].toBool());
    const LayoutTrack& track = m_mode->tracks()[std::size_t(m_mode->currentTrack())];
    QCOMPARE(track.dims, 3);
    QCOMPARE(track.originals[0], 1);
    QVERIFY(m_view->camera().threeD);
    QVERIFY(m_mode->threeDAction()->isChecked());
    // Orbit by dragging; the camera turns.
    const double yaw = m_view->camera().yaw;
    const QPoint from(m_view->width() / 2, m_view->height() / 2);
    QTest::mousePress(m_view, Qt::LeftButton, {}, from);
    for (int k = 1; k <= 10; ++k) moveMouse(from + QPoint(k * 8, k * 2), {});
    QTest::mouseRelease(m_view, Qt::LeftButton, {}, from + QPoint(80, 20));
    QVERIFY(m_view->camera().yaw > yaw + 20);
    screenshot("3d");
  }

  void guiNeverStalled() {
    pauseProbe();
    qInfo("longest GUI-thread stall: %.1f ms (during: %s)", m_worstMs, m_worstPhase.constData());
    const double limitMs = qEnvironmentVariableIsSet("LOOM_STRICT_TIMING") ? 50 : 1000;
    QVERIFY2(m_worstMs < limitMs, qPrintable(QStringLiteral("GUI stalled %1 ms").arg(m_worstMs)));
  }

  void cleanupTestCase() { m_window.reset(); }
};

QTEST_MAIN(EmbeddingsModeTest)
#include "embeddings_mode_test.moc"
