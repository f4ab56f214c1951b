// Workers mode in the real studio under Xvfb, with two real remote hosts (sshd on 127.0.0.2
// and 127.0.0.3, started by workers_mode.sh; nothing listens on 127.0.0.4). Driving the
// window as a user would:
//  * hosts: the two from an ssh config's Host lines, 127.0.0.4 typed in; a bad name and a bad
//    hostfile line are refused with the engine's messages;
//  * Check Hosts: .2 and .3 ready, .4 refused with "ssh cannot reach it: ... Connection
//    refused" shown in its row; then .4 is removed;
//  * Start: a 2-host `loom launch` of mlp.loom (small step budget, checkpoints every 100
//    steps); both rank rows fill with step time, samples/s, data wait and allreduce time
//    equal to the `workers/rank<r>/*` values the event file holds at that step (read here
//    with the engine's EventFileReader, not through the studio's RunStore); the run is in
//    the dashboard's run store;
//  * kill -9 of the rank on 127.0.0.3 (its pid found as tests/dist/job_pids.sh finds it):
//    the banner names rank 1 and host 127.0.0.3, row 1 is failed;
//  * Restart from Last Checkpoint: the job resumes ("resuming from ... last.ckpt") and
//    finishes at the step budget;
//  * a latency probe measures the longest GUI-thread stall (< 50 ms with
//    LOOM_STRICT_TIMING=1, as the other studio tests; otherwise only a freeze over 1 s fails).
// LOOM_WORKERS_SCREENSHOTS=<dir> saves workers-light.png, workers-dark.png (running) and
// workers-failure.png (the banner).
#include "widgets/modes/workers/workers_mode.h"

#include <signal.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFrame>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "engine/events/event_file_reader.h"
#include "tests/widgets/latency_probe.h"
#include "widgets/modes/mode_manager.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/workers/hosts_panel.h"
#include "widgets/modes/workers/rank_table.h"
#include "widgets/modes/workers/workers_job.h"
#include "widgets/shell/main_window.h"
#include "widgets/shell/theme.h"

using namespace loom;
using namespace loom::studio;
using loom::studio::test::LatencyProbe;

namespace {

const QString kMlp = QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/mlp.loom");
constexpr int kSteps = 5000;

/// Every value of `tag` in the run directory's event files, by step (the last one wins).
QMap<qint64, double> eventValues(const QString& runDir, const QString& tag) {
  QMap<qint64, double> out;
  for (const QString& f :
       QDir(runDir).entryList({QStringLiteral("*tfevents*")}, QDir::Files, QDir::Name)) {
    events::EventFileReader reader(QDir(runDir).filePath(f).toStdString());
    for (const events::DecodedEvent& e : reader.poll().events)
      for (const events::SummaryValue& v : e.values)
        if (QString::fromStdString(v.tag) == tag) out[e.step] = v.scalar;
  }
  return out;
}

/// "RANK PID" lines of the job's rank processes: tests/dist/job_pids.sh's rank_pids.
QMap<int, qint64> rankPids(const QString& runDir) {
  QProcess p;
  p.start(QStringLiteral("bash"),
          {QStringLiteral("-c"), QStringLiteral("source \"$1\" && rank_pids \"$2\""),
           QStringLiteral("rank_pids"), QStringLiteral(LOOM_SOURCE_DIR "/tests/dist/job_pids.sh"),
           runDir});
  p.waitForFinished(10000);
  QMap<int, qint64> pids;
  for (const QString& line : QString::fromUtf8(p.readAllStandardOutput()).split('\n'))
    if (const QStringList w = line.split(' '); w.size() == 2)
      pids[w[0].toInt()] = w[1].toLongLong();
  return pids;
}

}  // namespace

class WorkersModeTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_tmp;
  std::unique_ptr<MainWindow> m_window;
  WorkersMode* m_mode = nullptr;
  RankTableModel* m_ranks = nullptr;
  LatencyProbe m_probe;
  double m_worstMs = 0;
  QByteArray m_worstPhase;
  QString m_runDir;

  void pauseProbe() {
    m_probe.stop();
    if (m_probe.worstMs() > m_worstMs)
      m_worstMs = m_probe.worstMs(), m_worstPhase = m_probe.worstPhase();
  }
  void screenshot(const char* name, Theme theme) {
    const QString dir = qEnvironmentVariable("LOOM_WORKERS_SCREENSHOTS");
    if (dir.isEmpty()) return;
    pauseProbe();  // theme switches restyle every widget at once
    m_window->setTheme(theme);
    QTest::qWait(400);
    QVERIFY(m_window->grab().save(dir + QStringLiteral("/workers-%1.png").arg(name)));
    m_window->setTheme(Theme::Light);
    m_probe.start();
  }
  QString hostCheck(int row) const {
    return m_mode->hostsPanel()->table()->item(row, HostsPanel::CheckColumn)->text();
  }
  QString cell(int rank, int column) const {
    return m_ranks->data(m_ranks->index(rank, column), Qt::DisplayRole).toString();
  }

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Workers Test"));
    QSettings().clear();
    QVERIFY(m_tmp.isValid());
    QVERIFY2(qEnvironmentVariableIsSet("OMPI_MCA_plm_rsh_agent"),
             "run through tests/widgets/workers_mode.sh (it starts the sshd hosts)");
    MainWindowOptions options;
    options.autosaveDirectory = m_tmp.filePath(QStringLiteral("autosave"));
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1440, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->openFile(kMlp));
    QVERIFY(QDir().mkpath(m_tmp.filePath(QStringLiteral("runs"))));
    m_window->openLogDir(m_tmp.filePath(QStringLiteral("runs")));
    m_mode = m_window->findMode<WorkersMode>();
    QVERIFY(m_mode);
    m_window->modeManager()->setCurrent(m_mode);
    m_window->showCurrentMode();
    m_mode->setLoomExecutable(QFileInfo(QStringLiteral(LOOM_BIN)).canonicalFilePath());
    m_ranks = m_mode->rankModel();
    m_probe.start();
  }

  void addsHostsFromAnSshConfigAndByName() {
    m_probe.phase("adding hosts");
    HostsPanel* hosts = m_mode->hostsPanel();
    const QString config = m_tmp.filePath(QStringLiteral("ssh_config"));
    QFile f(config);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        "Host 127.0.0.2 127.0.0.3  # the test hosts\n  Port 22\nHost *.example.org !bad\n"
        "Host=127.0.0.2\n");
    f.close();
    QCOMPARE(hosts->addSshConfig(config), 2);
    hosts->hostEdit()->setText(QStringLiteral("a;b"));
    QTest::keyClick(hosts->hostEdit(), Qt::Key_Return);
    QVERIFY2(hosts->problem().contains(QStringLiteral("contains ';'")),
             qPrintable(hosts->problem()));
    QCOMPARE(hosts->table()->rowCount(), 2);
    const QString bad = m_tmp.filePath(QStringLiteral("bad_hosts"));
    QFile b(bad);
    QVERIFY(b.open(QIODevice::WriteOnly));
    b.write("127.0.0.2 slots=1\n127.0.0.9 slots=x\n");
    b.close();
    QVERIFY(!hosts->addHostfile(bad));
    QVERIFY2(hosts->problem().contains(QStringLiteral("bad_hosts:2")),
             qPrintable(hosts->problem()));
    hosts->hostEdit()->setText(QStringLiteral("127.0.0.4"));
    QTest::mouseClick(m_mode->widget()->findChild<QPushButton*>(QStringLiteral("workersAddHost")),
                      Qt::LeftButton);
    QCOMPARE(hosts->table()->rowCount(), 3);
    QVERIFY(hosts->problem().isEmpty());
    QCOMPARE(hosts->totalSlots(), 3);
    QCOMPARE(m_mode->ranksBox()->value(), 3);
  }

  void checksEveryHostWithTheReason() {
    m_probe.phase("checking hosts");
    QSignalSpy done(m_mode, &WorkersMode::hostsChecked);
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(m_mode->hostsPanel()->checkButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 60000);
    qInfo("host check of 3 hosts: %.2f s", clock.elapsed() / 1e3);
    for (int row : {0, 1})
      QVERIFY2(hostCheck(row) == QStringLiteral("✓ ready"), qPrintable(hostCheck(row)));
    QVERIFY2(hostCheck(2).startsWith(QStringLiteral("✗ ssh cannot reach it:")) &&
                 hostCheck(2).contains(QStringLiteral("Connection refused")),
             qPrintable(hostCheck(2)));
    qInfo("127.0.0.4: %s", qPrintable(hostCheck(2)));
    m_mode->hostsPanel()->table()->selectRow(2);
    QTest::mouseClick(
        m_mode->widget()->findChild<QPushButton*>(QStringLiteral("workersRemoveHost")),
        Qt::LeftButton);
    QCOMPARE(m_mode->hostsPanel()->table()->rowCount(), 2);
    QCOMPARE(m_mode->ranksBox()->value(), 2);
  }

  void startsATwoHostRunAndShowsEveryRank() {
    m_probe.phase("starting");
    m_mode->stepsBox()->setValue(kSteps);
    m_mode->checkpointBox()->setValue(100);
    m_mode->threadsBox()->setValue(1);
    m_mode->optionsEdit()->setText(QStringLiteral(
        "--train-limit 4000 --batch-size 16 --no-test --validation-fraction 0 --epochs 100"));
    QSignalSpy started(m_mode, &WorkersMode::runStarted);
    QElapsedTimer clock;
    clock.start();
    m_mode->startAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 20000);
    m_runDir = m_mode->runDir();
    QCOMPARE(m_ranks->ranks(), 2);
    QCOMPARE(m_ranks->host(0), QStringLiteral("127.0.0.2"));
    QCOMPARE(m_ranks->host(1), QStringLiteral("127.0.0.3"));
    m_probe.phase("running");
    QTRY_VERIFY_WITH_TIMEOUT(!std::isnan(m_ranks->stepMs(0)) && !std::isnan(m_ranks->stepMs(1)) &&
                                 !std::isnan(m_ranks->samplesPerSecond(1)),
                             60000);
    qInfo("first health values in the panel %.2f s after Start", clock.elapsed() / 1e3);
    const double firstStep = m_ranks->step(1);
    QTRY_VERIFY_WITH_TIMEOUT(m_ranks->step(1) > firstStep, 10000);  // the rows update
    QCOMPARE(m_ranks->state(0), RankTableModel::State::Running);
    QCOMPARE(m_ranks->state(1), RankTableModel::State::Running);
    QVERIFY(m_mode->job()->isRunning());
    {
      LatencyProbe::Paused paused(m_probe);  // the test's own read of the event file
      for (int r = 0; r < 2; ++r) {
        const qint64 step = qint64(m_ranks->step(r));
        const QString prefix = QStringLiteral("workers/rank%1/").arg(r);
        const auto stepMs = eventValues(m_runDir, prefix + QStringLiteral("step_ms"));
        const auto waitMs = eventValues(m_runDir, prefix + QStringLiteral("data_wait_ms"));
        const auto reduceMs = eventValues(m_runDir, prefix + QStringLiteral("allreduce_ms"));
        QVERIFY2(stepMs.contains(step), qPrintable(QString::number(step)));
        QCOMPARE(cell(r, RankTableModel::Step), QString::number(step));
        QCOMPARE(cell(r, RankTableModel::StepMs), QString::number(stepMs[step], 'f', 2));
        QCOMPARE(cell(r, RankTableModel::DataWaitMs), QString::number(waitMs[step], 'f', 2));
        QCOMPARE(cell(r, RankTableModel::AllreduceMs), QString::number(reduceMs[step], 'f', 2));
        QCOMPARE(cell(r, RankTableModel::SamplesPerSec),
                 QString::number(16 * 1000.0 / stepMs[step], 'f', 0));
        qInfo(
            "rank %d at step %lld: step %.3f ms, %s samples/s, data wait %.3f ms, allreduce %.3f "
            "ms",
            r, step, stepMs[step], qPrintable(cell(r, RankTableModel::SamplesPerSec)), waitMs[step],
            reduceMs[step]);
      }
    }
    RunStore* store = m_window->runStore();
    const int index = store->indexOf(m_runDir);
    QVERIFY(index >= 0);  // the dashboard lists the run like any other
    QVERIFY(store->run(index).live);
    QCOMPARE(store->run(index).status, QStringLiteral("running"));
    QVERIFY(QFile::exists(m_runDir + QStringLiteral("/hostfile")));
    screenshot("light", Theme::Light);
    screenshot("dark", Theme::Dark);
  }

  void aKilledRankIsNamedWithItsHost() {
    m_probe.phase("kill -9 of rank 1");
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_runDir + QStringLiteral("/checkpoints/last.ckpt")),
                             30000);
    QMap<int, qint64> pids;
    {
      LatencyProbe::Paused paused(m_probe);
      pids = rankPids(m_runDir);
    }
    QVERIFY2(pids.contains(1), "no rank 1 process found");
    QVERIFY(m_mode->job()->isRunning());
    QSignalSpy finished(m_mode, &WorkersMode::runFinished);
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(::kill(pid_t(pids[1]), SIGKILL), 0);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
    qInfo("job ended %.2f s after kill -9: exit %d: %s", clock.elapsed() / 1e3,
          finished[0][0].toInt(), qPrintable(finished[0][1].toString()));
    QVERIFY(finished[0][0].toInt() != 0);
    QVERIFY(m_mode->banner()->isVisible());
    const QString banner = m_mode->bannerLabel()->text();
    QVERIFY2(banner.startsWith(QStringLiteral("Rank 1 on 127.0.0.3 failed")), qPrintable(banner));
    QVERIFY2(banner.contains(QStringLiteral("last checkpoint")), qPrintable(banner));
    QCOMPARE(m_ranks->state(1), RankTableModel::State::Failed);
    QVERIFY2(cell(1, RankTableModel::Status).contains(QStringLiteral("signal 9")),
             qPrintable(cell(1, RankTableModel::Status)));
    QCOMPARE(m_ranks->state(0), RankTableModel::State::Ended);
    QVERIFY2(cell(1, RankTableModel::SamplesPerSec) != QStringLiteral("–"), "samples/s lost");
    QVERIFY(m_mode->restartButton()->isEnabled());
    const RunStore* store = m_window->runStore();
    QCOMPARE(store->run(store->indexOf(m_runDir)).status, QStringLiteral("failed"));
    screenshot("failure", Theme::Light);
  }

  void restartsFromTheCheckpointAndFinishes() {
    m_probe.phase("restart");
    QSignalSpy started(m_mode, &WorkersMode::runStarted);
    QSignalSpy finished(m_mode, &WorkersMode::runFinished);
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(m_mode->restartButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 20000);
    QCOMPARE(m_mode->runDir(), m_runDir);
    QVERIFY(m_mode->job()->arguments().contains(QStringLiteral("--resume")));
    QVERIFY(!m_mode->banner()->isVisible());
    m_probe.phase("resumed run");
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 240000);
    qInfo("resumed run finished %.2f s after Restart", clock.elapsed() / 1e3);
    QCOMPARE(finished[0][0].toInt(), 0);
    QVERIFY2(m_mode->logView()->toPlainText().contains(QStringLiteral("resuming from")),
             "no resume line in the log");
    QCOMPARE(m_ranks->state(0), RankTableModel::State::Finished);
    QCOMPARE(m_ranks->state(1), RankTableModel::State::Finished);
    QVERIFY(QFile::exists(m_runDir + QStringLiteral("/trained.loom")));
    QFile runJson(m_runDir + QStringLiteral("/run.json"));
    QVERIFY(runJson.open(QIODevice::ReadOnly));
    const QJsonObject run = QJsonDocument::fromJson(runJson.readAll()).object();
    QCOMPARE(run.value(QStringLiteral("global_step")).toInt(), kSteps);
    const RunStore* store = m_window->runStore();
    QCOMPARE(store->run(store->indexOf(m_runDir)).status, QStringLiteral("finished"));
  }

  void cleanupTestCase() {
    pauseProbe();
    qInfo("worst GUI stall: %.1f ms (during: %s)", m_worstMs, m_worstPhase.constData());
    const double limit = qEnvironmentVariableIntValue("LOOM_STRICT_TIMING") ? 50 : 1000;
    QVERIFY2(m_worstMs < limit, qPrintable(QStringLiteral("GUI stall %1 ms during %2")
                                               .arg(m_worstMs)
                                               .arg(QString::fromUtf8(m_worstPhase))));
    m_window.reset();
  }
};

QTEST_MAIN(WorkersModeTest)
#include "workers_mode_test.moc"
