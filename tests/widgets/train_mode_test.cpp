// Train mode in a real window (offscreen): open the CNN example, press Start, the loss chart
// (from the run's event file, the only data path) updates at least once a second while an
// event-loop latency probe measures the longest GUI-thread stall (< 50 ms); Pause holds the step
// count, Resume moves it on, Stop leaves a checkpoint, and Continue Run resumes from it (the first
// step after it is the checkpoint's step + 1, and run.json, parsed independently with
// QJsonDocument, ends "completed" at the step limit). Closing the window during a run asks: Cancel
// keeps it training, "Stop and Close" stops it with a checkpoint. Real Fashion-MNIST, a few dozen
// steps on one thread.
#include "widgets/modes/train/train_mode.h"

#include <qcustomplot.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolButton>
#include <QtTest>

#include "engine/graph/model.h"
#include "engine/proto/loom.pb.h"
#include "tests/widgets/latency_probe.h"
#include "widgets/document/document.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/train/scalar_chart.h"
#include "widgets/modes/train/scalars_panel.h"
#include "widgets/modes/train/settings_summary.h"
#include "widgets/modes/train/train_session.h"
#include "widgets/shell/main_window.h"

using namespace loom;
using namespace loom::studio;
using loom::studio::test::LatencyProbe;

namespace {

constexpr int kMaxSteps = 200;
const QString kExample = QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/cnn.loom");

QToolButton* buttonFor(QWidget* root, QAction* action) {
  for (auto* b : root->findChildren<QToolButton*>())
    if (b->defaultAction() == action && b->isVisible()) return b;
  return nullptr;
}

QJsonObject readRunJson(const QString& runDir) {
  QFile f(runDir + QStringLiteral("/run.json"));
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

}  // namespace

class TrainModeTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_tmp;
  std::unique_ptr<MainWindow> m_window;
  TrainMode* m_mode = nullptr;

  void click(QAction* action) {
    QToolButton* b = buttonFor(m_window.get(), action);
    QVERIFY2(b, qPrintable(action->text()));
    QVERIFY2(b->isEnabled(), qPrintable(action->text() + QStringLiteral(" is disabled")));
    QTest::mouseClick(b, Qt::LeftButton);
  }

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Train Mode Test"));
    QSettings().clear();
    QVERIFY(m_tmp.isValid());
    MainWindowOptions options;
    options.autosaveDirectory = m_tmp.filePath(QStringLiteral("autosave"));
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1280, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    // The CNN example with short-run limits, saved as a copy (so closing asks no questions):
    // at most kMaxSteps steps of 64 samples (an epoch is 8192 samples), one thread.
    auto model = loadModel(kExample.toStdString());
    QVERIFY(model);
    model->training.set_threads(1);
    model->training.set_epochs(2);
    model->dataset.set_train_limit(8192);
    model->dataset.set_test_limit(500);
    const QString copy = m_tmp.filePath(QStringLiteral("cnn.loom"));
    QVERIFY(saveModel(*model, copy.toStdString()).isOk());
    QVERIFY(m_window->openFile(copy));
    m_mode = m_window->findMode<TrainMode>();
    QVERIFY(m_mode);
    m_window->modeManager()->setCurrent(m_mode);
    m_window->showCurrentMode();
    m_mode->setLogDir(m_tmp.filePath(QStringLiteral("runs")));
    m_mode->maxStepsBox()->setValue(kMaxSteps);
  }

  void settingsComeFromTheSchema() {
    QCOMPARE(m_mode->settingsSummary()->shownValue(QStringLiteral("training.epochs")),
             QStringLiteral("2 epochs"));
    QVERIFY(m_mode->settingsSummary()->shownValue(QStringLiteral("training.optimizer.type")) ==
            QStringLiteral("adam"));
  }

  // Opening a log directory (as --logdir does) makes it the one Start writes into, so a new
  // run joins the runs on screen (it used to go to ./runs and the dashboard switched there).
  void anOpenedLogDirIsWhereNewRunsGo() {
    const QString opened = m_tmp.filePath(QStringLiteral("opened"));
    QVERIFY(QDir().mkpath(opened));
    m_window->openLogDir(opened);
    QCOMPARE(m_mode->logDir(), QDir(opened).absolutePath());
    m_window->openLogDir(m_tmp.filePath(QStringLiteral("runs")));
    QCOMPARE(m_mode->logDir(), QDir(m_tmp.filePath(QStringLiteral("runs"))).absolutePath());
  }

  void startPauseResumeStopContinue() {
    TrainSession* session = m_window->trainSession();
    LatencyProbe probe;
    probe.start();
    QSignalSpy finished(session, &TrainSession::finished);
    probe.phase("start");
    click(m_mode->startAction());
    QVERIFY(session->isActive());
    probe.phase("first chart");
    const QString runDir = m_mode->lastRunDir();

    // Curves: the batch-loss chart, fed only by the run's event file through the RunStore
    // (one data path), appears and updates at least once a second.
    QTRY_VERIFY_WITH_TIMEOUT(m_mode->scalars()->chart(QStringLiteral("loss/train_step")), 20000);
    ScalarChart* chart = m_mode->scalars()->chart(QStringLiteral("loss/train_step"));
    QElapsedTimer sinceUpdate;
    sinceUpdate.start();
    int updates = chart->updates();
    qint64 worstGapMs = 0;
    int seen = 0;
    QElapsedTimer watch;
    watch.start();
    probe.phase("training");
    while (watch.elapsed() < 2500) {
      QTest::qWait(20);
      if (chart->updates() != updates) {
        worstGapMs = std::max(worstGapMs, sinceUpdate.elapsed());
        sinceUpdate.restart();
        updates = chart->updates();
        ++seen;
      }
    }
    qInfo("%d chart updates in 2.5 s, longest gap %lld ms, step %lld", seen, worstGapMs,
          static_cast<long long>(session->globalStep()));
    QVERIFY2(session->status() == TrainStatus::Running, "the run ended before the check");
    worstGapMs = std::max(worstGapMs, sinceUpdate.elapsed());
    QVERIFY2(seen >= 2, qPrintable(QStringLiteral("chart updates seen: %1").arg(seen)));
    QVERIFY2(worstGapMs < 1000, qPrintable(QStringLiteral("longest gap %1 ms").arg(worstGapMs)));
    QVERIFY(chart->plot()->graphCount() >= 2);
    QVERIFY(chart->plot()->graph(1)->dataCount() > 0);

    // Pause holds the step count; Resume moves it on.
    probe.phase("pause");
    click(m_mode->pauseAction());
    QTRY_COMPARE_WITH_TIMEOUT(session->status(), TrainStatus::Paused, 10000);
    QCOMPARE(m_mode->statusLabel()->text(), QStringLiteral("Paused."));
    QTest::qWait(300);  // a progress event of the last step may still be queued
    const std::int64_t pausedAt = session->globalStep();
    QTest::qWait(700);
    QCOMPARE(session->globalStep(), pausedAt);
    QCOMPARE(readRunJson(runDir).value(QStringLiteral("status")).toString(),
             QStringLiteral("paused"));
    probe.phase("resume");
    click(m_mode->resumeAction());
    QTRY_VERIFY_WITH_TIMEOUT(session->globalStep() > pausedAt, 10000);

    // Stop: a checkpoint, status stopped.
    probe.phase("stop");
    click(m_mode->stopAction());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    QCOMPARE(finished[0][0].value<TrainStatus>(), TrainStatus::Stopped);
    QVERIFY(QFile::exists(runDir + QStringLiteral("/checkpoints/last.ckpt")));
    const QJsonObject stopped = readRunJson(runDir);
    QCOMPARE(stopped.value(QStringLiteral("status")).toString(), QStringLiteral("stopped"));
    const int stoppedAt = stopped.value(QStringLiteral("global_step")).toInt();
    QVERIFY(stoppedAt > pausedAt && stoppedAt < kMaxSteps);
    QVERIFY(m_mode->startAction()->isEnabled());
    QVERIFY(!m_mode->stopAction()->isEnabled());

    // Continue Run: resumes at the checkpoint's step, runs to the step limit.
    QSignalSpy progress(session, &TrainSession::progress);
    probe.phase("continue");
    QVERIFY(m_mode->continueRun(runDir));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 60000);
    QCOMPARE(finished[1][0].value<TrainStatus>(), TrainStatus::Completed);
    std::int64_t firstStep = -1;
    for (const auto& args : progress) {
      const auto p = args[0].value<TrainProgress>();
      if (p.phase == TrainProgress::Phase::Train) {
        firstStep = p.globalStep;
        break;
      }
    }
    QVERIFY2(firstStep > stoppedAt, qPrintable(QStringLiteral("first step after resume %1, "
                                                              "checkpoint at %2")
                                                   .arg(firstStep)
                                                   .arg(stoppedAt)));
    const QJsonObject done = readRunJson(runDir);
    QCOMPARE(done.value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
    QCOMPARE(done.value(QStringLiteral("global_step")).toInt(), kMaxSteps);

    probe.stop();
    qInfo("longest GUI-thread stall during training: %.1f ms (during: %s)", probe.worstMs(),
          probe.worstPhase());
    // The goal is < 50 ms (issue 7), measured on a quiet machine with LOOM_STRICT_TIMING=1.
    // In the suite, other tests share the two cores, so only a freeze (> 1 s) fails here:
    // timed assertions do not belong in a test run beside other work.
    const double limitMs = qEnvironmentVariableIsSet("LOOM_STRICT_TIMING") ? 50 : 1000;
    QVERIFY2(probe.worstMs() < limitMs,
             qPrintable(QStringLiteral("GUI stalled %1 ms").arg(probe.worstMs())));
    // The run list shows the run with its status.
    RunStore* store = m_window->runStore();
    const int index = store->indexOf(runDir);
    QVERIFY(index >= 0);
    QCOMPARE(store->run(index).status, QStringLiteral("completed"));
  }

  void closingDuringARunAsksThenStops() {
    TrainSession* session = m_window->trainSession();
    QTRY_VERIFY_WITH_TIMEOUT(!session->isActive(), 60000);
    m_mode->maxStepsBox()->setValue(0);
    QVERIFY(m_mode->start());
    const QString runDir = m_mode->lastRunDir();
    QTRY_VERIFY_WITH_TIMEOUT(session->globalStep() > 0, 30000);
    m_mode->setCloseAnswer(false);
    QVERIFY(!m_window->close());
    QVERIFY(m_window->isVisible());
    QVERIFY(session->isActive());
    m_mode->setCloseAnswer(true);
    QVERIFY(m_window->close());
    QTRY_VERIFY(!session->isActive());  // finished() is delivered by the event loop
    QCOMPARE(session->status(), TrainStatus::Stopped);
    QVERIFY(QFile::exists(runDir + QStringLiteral("/checkpoints/last.ckpt")));
    QCOMPARE(readRunJson(runDir).value(QStringLiteral("status")).toString(),
             QStringLiteral("stopped"));
  }

  void cleanupTestCase() { m_window.reset(); }
};

QTEST_MAIN(TrainModeTest)
#include "train_mode_test.moc"
