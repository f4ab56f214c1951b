// Inspect mode in a real window (offscreen): the CNN example trained for a few dozen steps in
// the fixture (engine Trainer, real Fashion-MNIST), its checkpoint chosen as Checkpoint… does.
// Checked against engine/explain called directly on the same weights and images: the filter
// counts (misclassified, true class, confidence) equal a direct count of the model's own
// predictions; the maps of a misclassified sample for four methods (gradient, Integrated
// Gradients, Grad-CAM, occlusion) equal vanillaGradient / integratedGradients / gradCam /
// occlusion for that sample and class; switching the class and comparing two classes give
// those classes' maps; hover shows the value of the pixel under the pointer; Export PNG writes
// the picture; a run over a class cancelled half-way stops early and sorts by deletion AUC.
// An event-loop latency probe runs throughout (< 50 ms with LOOM_STRICT_TIMING=1, as the other
// studio tests; a freeze > 1 s fails in the suite).
//
// LOOM_INSPECT_SCREENSHOTS=DIR also writes DIR/inspect-light.png and DIR/inspect-dark.png
// (docs/screenshots/); LOOM_INSPECT_STEPS=N trains N steps instead of 60 (for them).
#include "widgets/modes/inspect/inspect_mode.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <cstring>
#include <map>

#include "engine/backends/backend.h"
#include "engine/data/dataset_registry.h"
#include "engine/explain/faithfulness.h"
#include "engine/explain/gradient_methods.h"
#include "engine/explain/perturbation_methods.h"
#include "engine/explain/probe.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"
#include "engine/train/trainer.h"
#include "engine/train/training_data.h"
#include "tests/widgets/latency_probe.h"
#include "widgets/modes/inspect/attribution_view.h"
#include "widgets/modes/inspect/sample_table_model.h"
#include "widgets/shell/main_window.h"

using namespace loom;
using namespace loom::studio;
using loom::studio::test::LatencyProbe;

namespace {

const QString kExample = QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/cnn.loom");
constexpr int kTestSamples = 300;

/// The model and weights the mode explains, rebuilt here independently of the mode.
struct Reference {
  Model model;
  std::unique_ptr<ParameterSet> params;
  Dataset test;
  std::vector<std::shared_ptr<Backend>> backends;
  std::unique_ptr<ModelProbe> probe;  // keeps conv2 for Grad-CAM
  float black = 0, white = 1;

  Tensor input(int i) const {  // [1, 1, 28, 28], normalised as the model's data
    Tensor x(Dims{1, 1, 28, 28});
    const std::uint8_t* px = test.images.data<std::uint8_t>() + std::int64_t{i} * 784;
    for (int k = 0; k < 784; ++k)
      x.f32()[k] = static_cast<float>((px[k] / 255.0 - model.dataset.mean()) / model.dataset.std());
    return x;
  }
  int label(int i) const { return static_cast<int>(test.labels.data<std::int64_t>()[i]); }
  std::vector<float> outputs(int i) {
    auto out = probe->outputs(input(i));
    return std::vector<float>(out->f32(), out->f32() + out->numel());
  }
  /// The engine's class for sample i, remembered: the test asks again after the first pass,
  /// and each forward pass runs on the GUI thread, where the latency probe would see it.
  int predicted(int i) {
    if (auto it = predictedCache.find(i); it != predictedCache.end()) return it->second;
    const auto row = outputs(i);
    const int c = static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin());
    predictedCache.emplace(i, c);
    return c;
  }
  std::map<int, int> predictedCache;
  double confidence(int i) {
    const auto row = outputs(i);
    const int c = predicted(i);
    return scoreOf(row.data(), 10, c, ScoreKind::Probability, false);
  }
  /// engine/explain's map of `method` for sample i and class c, per pixel.
  std::vector<double> map(const QString& method, int i, int c) {
    const Tensor x = input(i);
    BaselineSpec b;
    b.black = {black};
    b.white = {white};
    Expected<Explanation> e = invalidArgument("unknown method");
    if (method == QLatin1String("gradient")) e = vanillaGradient(*probe, x, {c}, ScoreKind::Logit);
    if (method == QLatin1String("ig")) {
      IntegratedGradientsOptions o;  // the registry's defaults: 50 Gauss-Legendre steps
      o.baseline = b;
      e = integratedGradients(*probe, x, {c}, ScoreKind::Logit, o);
    }
    if (method == QLatin1String("gradcam")) e = gradCam(*probe, x, {c}, ScoreKind::Logit, "conv2");
    if (method == QLatin1String("occlusion")) {
      OcclusionOptions o;  // window 4, stride 2
      o.baseline = b;
      e = occlusion(*probe, x, {c}, ScoreKind::Logit, o);
    }
    if (!e) qFatal("%s", e.status().message().c_str());
    return pixelSaliency(e->map, 0, false);
  }
};

/// Largest |a - b| relative to the largest |b|.
double relativeError(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return 1e9;
  double top = 0, err = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    top = std::max(top, std::fabs(b[k]));
    err = std::max(err, std::fabs(a[k] - b[k]));
  }
  return err / std::max(top, 1e-12);
}

}  // namespace

class InspectModeTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_tmp;
  std::unique_ptr<MainWindow> m_window;
  InspectMode* m_mode = nullptr;
  Reference m_ref;
  LatencyProbe m_latency;
  QString m_checkpoint;

  void waitExplained() {
    QTRY_VERIFY_WITH_TIMEOUT(
        !m_mode->isExplaining() &&
            m_mode->view()->mapCount() == m_mode->view()->rows() * m_mode->view()->columns(),
        60000);
  }
  void setCombo(QComboBox* box, int data) {
    const int at = box->findData(data);
    QVERIFY(at >= 0);
    box->setCurrentIndex(at);
  }
  /// Every map on screen equals the engine's for its sample and class. The references are
  /// computed here, on the GUI thread, so the latency probe is paused meanwhile: their time is
  /// the test's, not the window's (this was the "13 s freeze" of the fifth session).
  void checkMapsAgainstEngine() {
    LatencyProbe::Paused paused(m_latency);
    AttributionView* view = m_mode->view();
    for (int r = 0; r < view->rows(); ++r)
      for (int c = 0; c < view->columns(); ++c) {
        const AttributionMap* m = view->mapAt(r, c);
        QVERIFY(m);
        QVERIFY2(m->error.isEmpty(), qPrintable(m->error));
        const double err = relativeError(m->saliency, m_ref.map(m->method, m->sample, m->target));
        QVERIFY2(err < 1e-5, qPrintable(QStringLiteral("%1, sample %2, class %3: error %4")
                                            .arg(m->method)
                                            .arg(m->sample)
                                            .arg(m->target)
                                            .arg(err)));
        QVERIFY(std::isfinite(m->metric("deletion_auc")));
      }
  }

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Inspect Mode Test"));
    QSettings().clear();
    QVERIFY(m_tmp.isValid());

    // Train the CNN example briefly (one thread, a few dozen steps of 64 samples).
    auto model = loadModel(kExample.toStdString());
    QVERIFY(model);
    model->training.set_threads(1);
    model->training.set_epochs(1);
    model->dataset.set_train_limit(8192);
    model->dataset.set_test_limit(kTestSamples);
    const QString copy = m_tmp.filePath(QStringLiteral("cnn.loom"));
    QVERIFY(saveModel(*model, copy.toStdString()).isOk());
    Model trained = *model;
    TrainOptions to;
    to.runDir = m_tmp.filePath(QStringLiteral("run")).toStdString();
    to.maxSteps = qEnvironmentVariableIntValue("LOOM_INSPECT_STEPS") > 0
                      ? qEnvironmentVariableIntValue("LOOM_INSPECT_STEPS")
                      : 60;
    to.evaluateTest = false;
    auto result = train(trained, to);
    QVERIFY2(result, result ? "" : result.status().message().c_str());
    m_checkpoint = m_tmp.filePath(QStringLiteral("run/checkpoints/last.ckpt"));
    QVERIFY(QFile::exists(m_checkpoint));

    // The reference: the same file and checkpoint, through the engine alone.
    m_ref.model = *loadModel(copy.toStdString());
    applyDefaults(m_ref.model);
    QVERIFY(loadCheckpointParameters(m_ref.model, m_checkpoint.toStdString()).isOk());
    const GraphAnalysis analysis = analyzeGraph(m_ref.model.graph, OpRegistry::global(), 1);
    QVERIFY(analysis.status.isOk());
    auto params = ParameterSet::create(m_ref.model.graph, analysis, m_ref.model.parameters,
                                       m_ref.model.training.seed());
    QVERIFY(params);
    m_ref.params = std::make_unique<ParameterSet>(std::move(*params));
    auto test = loadDataset(m_ref.model.dataset, Split::Test);
    QVERIFY(test);
    m_ref.test = std::move(*test);
    m_ref.backends = defaultBackends();
    ProbeOptions po;
    for (const auto& b : m_ref.backends) po.backends.push_back(b.get());
    po.keepNodes = {"conv2"};
    auto probe = ModelProbe::create(m_ref.model.graph, *m_ref.params, po);
    QVERIFY(probe);
    m_ref.probe = std::make_unique<ModelProbe>(std::move(*probe));
    m_ref.black = static_cast<float>(-m_ref.model.dataset.mean() / m_ref.model.dataset.std());
    m_ref.white = static_cast<float>((1 - m_ref.model.dataset.mean()) / m_ref.model.dataset.std());

    MainWindowOptions options;
    options.autosaveDirectory = m_tmp.filePath(QStringLiteral("autosave"));
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1600, 1000);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->openFile(copy));
    m_mode = m_window->findMode<InspectMode>();
    QVERIFY(m_mode);
    m_latency.start();
    m_latency.phase("open Inspect");
    QSignalSpy loaded(m_mode, &InspectMode::loadFinished);
    m_mode->setCheckpoint(m_checkpoint);  // what Checkpoint… does
    m_window->modeManager()->setCurrent(m_mode);
    m_window->showCurrentMode();
    QTRY_VERIFY_WITH_TIMEOUT(m_mode->isLoaded(), 60000);
    QVERIFY(m_mode->weightsLabel()->text().contains(QStringLiteral("last.ckpt")));
  }

  // The chosen checkpoint comes first (the studio's own Train run has not run here).
  void weightsComeFromTheChosenCheckpoint() {
    QString how;
    QCOMPARE(m_mode->weightsSource(&how), m_checkpoint);
    QCOMPARE(how, QStringLiteral("chosen checkpoint"));
  }

  void filterCountsEqualADirectCount() {
    m_latency.phase("filters");
    int wrong = 0, ofClass3 = 0, confident = 0;
    {
      LatencyProbe::Paused paused(m_latency);  // the test's own forward passes
      for (int i = 0; i < kTestSamples; ++i) {
        const int p = m_ref.predicted(i);
        wrong += p != m_ref.label(i);
        ofClass3 += m_ref.label(i) == 3;
        confident += m_ref.confidence(i) >= 0.9;
      }
    }
    qInfo("direct count: %d of %d misclassified, %d of class 3, %d with confidence >= 90 %%", wrong,
          kTestSamples, ofClass3, confident);
    QVERIFY(wrong > 0);
    QCOMPARE(m_mode->samples()->rowCount(), kTestSamples);
    m_mode->misclassifiedBox()->setChecked(true);
    QCOMPARE(m_mode->samples()->rowCount(), wrong);
    for (int r = 0; r < wrong; ++r) {
      const SamplePrediction* p = m_mode->samples()->predictionAt(r);
      QCOMPARE(p->predicted, m_ref.predicted(p->index));
      QVERIFY(p->label != p->predicted);
    }
    QVERIFY(m_mode->countLabel()->text().startsWith(
        QStringLiteral("%1 of %2").arg(wrong).arg(kTestSamples)));
    m_mode->misclassifiedBox()->setChecked(false);
    setCombo(m_mode->trueClassCombo(), 3);
    QCOMPARE(m_mode->samples()->rowCount(), ofClass3);
    setCombo(m_mode->trueClassCombo(), -1);
    m_mode->minConfidenceBox()->setValue(90);
    QCOMPARE(m_mode->samples()->rowCount(), confident);
    m_mode->minConfidenceBox()->setValue(0);
    QCOMPARE(m_mode->samples()->rowCount(), kTestSamples);
  }

  void misclassifiedSampleFourMethods() {
    m_latency.phase("explain four methods");
    m_mode->misclassifiedBox()->setChecked(true);
    m_mode->setMethods({QStringLiteral("gradient"), QStringLiteral("ig"), QStringLiteral("gradcam"),
                        QStringLiteral("occlusion")});
    const SamplePrediction* first = m_mode->samples()->predictionAt(0);
    QVERIFY(first);
    const int sample = first->index;
    // Click the row, as a user picks a sample.
    QTableView* table = m_mode->table();
    const QRect cell = table->visualRect(m_mode->samples()->index(0, 1));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    QTRY_COMPARE(m_mode->currentSample(), sample);
    waitExplained();
    QCOMPARE(m_mode->view()->columns(), 4);
    QCOMPARE(m_mode->view()->rows(), 1);
    QCOMPARE(m_mode->view()->mapAt(0, 0)->target, m_ref.predicted(sample));
    checkMapsAgainstEngine();
  }

  void switchTargetAndCompare() {
    m_latency.phase("switch class");
    const int sample = m_mode->currentSample();
    const int truth = m_ref.label(sample);
    setCombo(m_mode->targetCombo(), truth);  // "why not the true class?"
    waitExplained();
    QCOMPARE(m_mode->view()->mapAt(0, 1)->target, truth);
    checkMapsAgainstEngine();
    m_latency.phase("compare");
    setCombo(m_mode->compareCombo(), m_ref.predicted(sample));
    waitExplained();
    QCOMPARE(m_mode->view()->rows(), 2);
    QCOMPARE(m_mode->view()->mapAt(1, 0)->target, m_ref.predicted(sample));
    checkMapsAgainstEngine();
  }

  void hoverShowsTheValue() {
    m_latency.phase("hover");
    AttributionView* view = m_mode->view();
    const QRect r = view->tileRect(0, 1);  // Integrated Gradients, first row
    QVERIFY(!r.isEmpty());
    const int px = 14, py = 11;
    const QPoint at(r.x() + (px * r.width() + r.width() / 2) / 28,
                    r.y() + (py * r.height() + r.height() / 2) / 28);
    QTest::mouseMove(view, at);
    const AttributionMap* m = view->mapAt(0, 1);
    const QString expected = QString::asprintf("%+.4g", m->saliency[py * 28 + px]);
    QTRY_VERIFY2(view->hoverText().endsWith(expected),
                 qPrintable(view->hoverText() + QStringLiteral(" / ") + expected));
    QVERIFY(view->hoverText().contains(QStringLiteral("pixel (%1, %2)").arg(px).arg(py)));
    QCOMPARE(m_mode->hoverLabel()->text(), view->hoverText());
    m_mode->opacitySlider()->setValue(40);
    QCOMPARE(view->opacity(), 0.4);
    m_mode->opacitySlider()->setValue(65);
  }

  void exportWritesThePicture() {
    const QString path = m_tmp.filePath(QStringLiteral("export.png"));
    m_latency.phase("export PNG");
    QSignalSpy exported(m_mode, &InspectMode::pngExported);
    const QSize drawn = m_mode->view()->size();  // the picture is rendered now; the window may
    QVERIFY(m_mode->exportPng(path));            // relayout before the file is written
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 20000);  // encoded on a worker thread
    QCOMPARE(exported.at(0).at(0).toString(), path);
    QVERIFY2(exported.at(0).at(1).toString().isEmpty(),
             qPrintable(exported.at(0).at(1).toString()));
    LatencyProbe::Paused paused(m_latency);  // decoding the file is the test's work
    QImage img(path);
    QVERIFY(!img.isNull());
    QCOMPARE(img.size(), drawn * 2);
  }

  void exportIntoAMissingDirectorySaysWhere() {
    const QString path = m_tmp.filePath(QStringLiteral("no-such-dir/export.png"));
    QSignalSpy exported(m_mode, &InspectMode::pngExported);
    QVERIFY(m_mode->exportPng(path));
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 20000);
    const QString error = exported.at(0).at(1).toString();
    QVERIFY2(error.contains(path), qPrintable(error));
    QVERIFY(!QFileInfo::exists(path));
  }

  void screenshots() {
    const QString dir = qEnvironmentVariable("LOOM_INSPECT_SCREENSHOTS");
    if (dir.isEmpty()) QSKIP("LOOM_INSPECT_SCREENSHOTS not set");
    m_latency.stop();  // theme switches restyle every widget at once
    m_mode->setMethods({QStringLiteral("gradient"), QStringLiteral("ig"),
                        QStringLiteral("smoothgrad"), QStringLiteral("gradcam"),
                        QStringLiteral("shap")});
    waitExplained();
    QTest::mouseMove(m_mode->view(), m_mode->view()->tileRect(0, 1).center());
    QTest::qWait(300);
    for (Theme theme : {Theme::Light, Theme::Dark}) {
      m_window->setTheme(theme);
      QTest::qWait(400);
      const QString name = theme == Theme::Light ? QStringLiteral("inspect-light.png")
                                                 : QStringLiteral("inspect-dark.png");
      QVERIFY(m_window->grab().save(dir + QLatin1Char('/') + name));
    }
    m_window->setTheme(Theme::Light);
    m_mode->setMethods({QStringLiteral("gradient"), QStringLiteral("ig"), QStringLiteral("gradcam"),
                        QStringLiteral("occlusion")});
    waitExplained();
    m_latency.start();
  }

  void runOverAClassAndCancelHalfWay() {
    m_latency.phase("run over a class");
    const int cls = m_ref.label(m_mode->currentSample());
    int members = 0;
    for (int i = 0; i < kTestSamples; ++i) members += m_ref.label(i) == cls;
    m_mode->misclassifiedBox()->setChecked(false);
    const int set = m_mode->batchSetCombo()->findData(QStringLiteral("class:%1").arg(cls));
    QVERIFY(set >= 0);
    m_mode->batchSetCombo()->setCurrentIndex(set);
    m_mode->batchMethodCombo()->setCurrentIndex(
        m_mode->batchMethodCombo()->findData(QStringLiteral("ig")));
    QSignalSpy finished(m_mode, &InspectMode::batchFinished);
    QVERIFY(m_mode->runOverSet());
    QVERIFY(m_mode->cancelAction()->isEnabled());
    QVERIFY(!m_mode->runSetAction()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(m_mode->batchProgress()->value() >= members / 3, 60000);
    QCOMPARE(m_mode->batchProgress()->maximum(), members);
    m_latency.phase("cancel");
    m_mode->cancelAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    const int done = finished[0][0].toInt();
    qInfo("run over class %d: cancelled after %d of %d samples", cls, done, members);
    QVERIFY(finished[0][2].toBool());  // cancelled
    QCOMPARE(finished[0][1].toInt(), members);
    QVERIFY2(done < members, qPrintable(QStringLiteral("%1 of %2").arg(done).arg(members)));
    QVERIFY(
        m_mode->batchLabel()->text().startsWith(QStringLiteral("Cancelled after %1").arg(done)));
    QVERIFY(m_mode->runSetAction()->isEnabled());
    // Sorted by deletion AUC, scored samples first, ascending; each scored one is of the class.
    SampleTableModel* samples = m_mode->samples();
    double last = -1;
    for (int r = 0; r < done; ++r) {
      const SamplePrediction* p = samples->predictionAt(r);
      QVERIFY(samples->hasScore(p->index));
      QCOMPARE(p->label, cls);
      QVERIFY(samples->score(p->index) >= last);
      last = samples->score(p->index);
    }
    QVERIFY(!samples->hasScore(samples->predictionAt(done)->index));
    // The GUI answered during the run: the maps of another sample arrive after the batch.
    m_latency.phase("explain after the run");
    QVERIFY(m_mode->selectSample(samples->predictionAt(done)->index));
    waitExplained();
    checkMapsAgainstEngine();
  }

  // A file that is not a checkpoint is refused with a message naming it; without a chosen
  // checkpoint (and no Train run, no parameters in the file) the mode says it explains the
  // untrained initial weights.
  void badCheckpointIsRefusedThenUntrainedWeightsAreNamed() {
    m_latency.phase("bad checkpoint");
    const QString bad = m_tmp.filePath(QStringLiteral("garbage.ckpt"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a checkpoint");
    f.close();
    QSignalSpy loaded(m_mode, &InspectMode::loadFinished);
    m_mode->setCheckpoint(bad);
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 30000);
    QVERIFY(!loaded[0][0].toBool());
    const QString message = loaded[0][1].toString();
    qInfo("refused: %s", qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("garbage.ckpt")), qPrintable(message));
    QVERIFY(m_mode->weightsLabel()->text().contains(message));
    QVERIFY(!m_mode->isLoaded());
    m_mode->setCheckpoint({});
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 2, 60000);
    QVERIFY(loaded[1][0].toBool());
    QVERIFY2(m_mode->weightsLabel()->text().contains(QStringLiteral("untrained initial weights")),
             qPrintable(m_mode->weightsLabel()->text()));
  }

  void latency() {
    m_latency.stop();
    qInfo("longest GUI-thread stall: %.1f ms (during: %s)", m_latency.worstMs(),
          m_latency.worstPhase());
    // The goal is < 50 ms (issue 9), measured on a quiet machine with LOOM_STRICT_TIMING=1;
    // in the suite other tests share the cores, so only a freeze (> 1 s) fails here.
    const double limitMs = qEnvironmentVariableIsSet("LOOM_STRICT_TIMING") ? 50 : 1000;
    QVERIFY2(m_latency.worstMs() < limitMs,
             qPrintable(QStringLiteral("GUI stalled %1 ms during %2")
                            .arg(m_latency.worstMs())
                            .arg(QString::fromLatin1(m_latency.worstPhase()))));
  }

  void cleanupTestCase() { m_window.reset(); }
};

QTEST_MAIN(InspectModeTest)
#include "inspect_mode_test.moc"
