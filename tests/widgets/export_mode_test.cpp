// Export mode (issue 8; docs/onnx.md, "The studio's Export mode") in a real window with a real
// event loop: the CNN example with a checkpoint trained here for a few steps on Fashion-MNIST
// opens in the studio; Export mode's pre-flight says every node exports; the export and the
// OpenCV parity check run off the GUI thread (no stall over 50 ms, measured by the latency
// probe) and pass at batch 1 and 64; the written file passes Python's ONNX checker
// (full_check=True, an implementation that shares nothing with Loom's C++ one); the card preview
// shows Fashion-MNIST's class names. A cancelled export keeps nothing. A model with a node that
// cannot be exported lists it with the reason, a click selects it in Design, and exporting it
// writes nothing. A refused option names itself.
//
// LOOM_EXPORT_SCREENSHOT=<png>: also grab the window after the passing parity check (docs).
#include "widgets/modes/export/export_mode.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>

#include "engine/graph/model.h"
#include "engine/train/trainer.h"
#include "tests/widgets/latency_probe.h"
#include "widgets/document/document.h"
#include "widgets/modes/design/design_mode.h"
#include "widgets/modes/export/export_options_form.h"
#include "widgets/modes/export/export_runner.h"
#include "widgets/modes/export/parity_table.h"
#include "widgets/modes/export/preflight_panel.h"
#include "widgets/modes/mode_manager.h"
#include "widgets/shell/main_window.h"

using namespace loom;
using namespace loom::studio;

class ExportModeTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_tmp;
  std::unique_ptr<MainWindow> m_window;
  ExportMode* m_mode = nullptr;
  QString m_checkpoint;

  /// Runs the export with the form as it is and waits for its end; the probe watches the GUI.
  bool exportAndWait(test::LatencyProbe* probe, int timeoutMs = 180000) {
    QSignalSpy done(m_mode, &ExportMode::exportFinished);
    if (probe) probe->start();
    if (!m_mode->startExport()) return false;
    if (!m_mode->isExporting()) return false;  // the call returned with the work still to do
    const bool ended = done.wait(timeoutMs) || done.count() == 1;
    if (probe) probe->stop();
    return ended;
  }

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Export Test"));
    QSettings().clear();
    QVERIFY(m_tmp.isValid());
    // A short training run of the example (real data, the engine's trainer) for a checkpoint.
    auto model = loadModel(LOOM_SOURCE_DIR "/resources/examples/cnn.loom");
    QVERIFY2(model.hasValue(), model.status().message().c_str());
    model->training.set_threads(2);
    model->dataset.set_train_limit(2048);
    model->dataset.set_test_limit(1000);
    TrainOptions options;
    options.runDir = m_tmp.filePath(QStringLiteral("run")).toStdString();
    options.maxSteps = 30;
    options.evaluateTest = false;
    auto trained = train(*model, options);
    QVERIFY2(trained.hasValue(), trained.status().message().c_str());
    m_checkpoint = m_tmp.filePath(QStringLiteral("run/checkpoints/last.ckpt"));
    QVERIFY(QFile::exists(m_checkpoint));

    MainWindowOptions windowOptions;
    windowOptions.autosaveDirectory = m_tmp.filePath(QStringLiteral("autosave"));
    m_window = std::make_unique<MainWindow>(windowOptions);
    m_window->resize(1440, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->openFile(QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/cnn.loom")));
    m_mode = m_window->findMode<ExportMode>();
    QVERIFY(m_mode);
    m_window->modeManager()->setCurrent(m_mode);
    m_window->showCurrentMode();
  }

  void preflightSaysEveryNodeExports() {
    PreflightPanel* pre = m_mode->preflight();
    QTRY_VERIFY_WITH_TIMEOUT(pre->isCurrent(), 20000);
    QVERIFY(pre->problems().empty());
    QCOMPARE(pre->list()->count(), 1);
    QVERIFY(pre->list()->item(0)->text().contains(QStringLiteral("Ready to export")));
    // The output is suggested beside the model file.
    QVERIFY(m_mode->optionsForm()->outputEdit()->text().endsWith(QStringLiteral("cnn.onnx")));
  }

  void refusedOptionNamesItself() {
    auto* tolerance =
        m_mode->optionsForm()->findChild<QLineEdit*>(QStringLiteral("exportTolerance"));
    QVERIFY(tolerance);
    tolerance->setText(QStringLiteral("-1"));
    QVERIFY(!m_mode->startExport());
    QVERIFY2(m_mode->statusLabel()->text().contains(QStringLiteral("--tolerance -1")),
             qPrintable(m_mode->statusLabel()->text()));
    tolerance->setText(QStringLiteral("0.0001"));
  }

  void exportRunsOffTheGuiThreadAndParityPasses() {
    ExportOptionsForm* form = m_mode->optionsForm();
    const QString onnx = m_tmp.filePath(QStringLiteral("cnn.onnx"));
    form->checkpointEdit()->setText(m_checkpoint);
    form->outputEdit()->setText(onnx);
    form->findChild<QSpinBox*>(QStringLiteral("exportParityImages"))->setValue(500);
    form->findChild<QLineEdit*>(QStringLiteral("exportParityBatches"))
        ->setText(QStringLiteral("1 64"));

    test::LatencyProbe probe;
    probe.phase("starting the export");
    connect(m_mode->runner(), &ExportRunner::progress, &probe,
            [&probe] { probe.phase("export and parity check"); });
    connect(m_mode, &ExportMode::exportFinished, &probe,
            [&probe] { probe.phase("showing the results"); });
    QVERIFY(exportAndWait(&probe));
    qInfo(
        "export of cnn.loom with parity on 500 images at batch 1 and 64: worst GUI stall "
        "%.1f ms during %s",
        probe.worstMs(), probe.worstPhase());
    // < 50 ms is the goal on a quiet machine (LOOM_STRICT_TIMING=1); in the suite only a freeze
    // fails.
    QVERIFY2(probe.worstMs() < (qEnvironmentVariableIsSet("LOOM_STRICT_TIMING") ? 50 : 1000),
             qPrintable(QString::number(probe.worstMs())));
    QVERIFY2(m_mode->runner()->error().isOk(), m_mode->runner()->error().message().c_str());

    const ExportJobReport& r = m_mode->runner()->report();
    QVERIFY(r.wrote());
    QCOMPARE(r.parity.size(), size_t{2});
    QVERIFY(!r.parityFailed());
    QTableWidget* table = m_mode->parityTable()->table();
    QCOMPARE(table->rowCount(), 2);
    for (int row = 0; row < 2; ++row) {
      QCOMPARE(table->item(row, 0)->text(), QStringLiteral("logits"));
      QVERIFY(table->item(row, 8)->text().contains(QStringLiteral("pass")));
      QVERIFY(table->item(row, 4)->text().toDouble() <= 1e-4);
    }
    QCOMPARE(table->item(0, 1)->text(), QStringLiteral("1"));
    QCOMPARE(table->item(1, 1)->text(), QStringLiteral("64"));
    QVERIFY(m_mode->parityTable()->verdict()->text().contains(QStringLiteral("passed")));

    // Python's ONNX checker, full check, on the written file.
    QProcess python;
    python.setProcessChannelMode(QProcess::ForwardedChannels);
    python.start(
        QStringLiteral("/usr/bin/python3"),
        {QStringLiteral("-c"),
         QStringLiteral("import onnx, sys; "
                        "onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)"),
         onnx});
    QVERIFY(python.waitForFinished(60000));
    QCOMPARE(python.exitCode(), 0);

    // The card: written beside the file, the same as the preview, with the data set's labels.
    QFile card(m_tmp.filePath(QStringLiteral("cnn.md")));
    QVERIFY(card.open(QIODevice::ReadOnly));
    QCOMPARE(card.readAll().toStdString(), r.card);
    const QString shown = m_mode->cardView()->toPlainText();
    for (const char* label : {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                              "Shirt", "Sneaker", "Bag", "Ankle boot"})
      QVERIFY2(shown.contains(QString::fromLatin1(label)), label);
    QVERIFY(shown.contains(QStringLiteral("Loom Studio (Export mode)")));

    if (const QByteArray shot = qgetenv("LOOM_EXPORT_SCREENSHOT"); !shot.isEmpty()) {
      QTest::qWait(300);
      QVERIFY(m_window->grab().save(QString::fromLocal8Bit(shot)));
    }
  }

  void cancelledExportKeepsNothing() {
    ExportOptionsForm* form = m_mode->optionsForm();
    const QString onnx = m_tmp.filePath(QStringLiteral("cancelled.onnx"));
    form->outputEdit()->setText(onnx);
    form->findChild<QSpinBox*>(QStringLiteral("exportParityImages"))->setValue(10000);
    form->findChild<QLineEdit*>(QStringLiteral("exportParityBatches"))
        ->setText(QStringLiteral("1"));
    QSignalSpy progress(m_mode->runner(), &ExportRunner::progress);
    QSignalSpy done(m_mode, &ExportMode::exportFinished);
    QVERIFY(m_mode->startExport());
    QTRY_VERIFY_WITH_TIMEOUT(m_mode->statusLabel()->text().contains(QStringLiteral("images")),
                             60000);  // the parity check has started
    m_mode->cancelAction()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 30000);
    QCOMPARE(done.at(0).at(0).toBool(), false);
    QCOMPARE(m_mode->runner()->error().code(), ErrorCode::Cancelled);
    QVERIFY(!QFile::exists(onnx));
    QVERIFY(!QFile::exists(m_tmp.filePath(QStringLiteral("cancelled.md"))));
    QVERIFY(m_mode->exportAction()->isEnabled());
    form->findChild<QSpinBox*>(QStringLiteral("exportParityImages"))->setValue(100);
  }

  void unexportableNodeIsListedAndSelectsInDesign() {
    QVERIFY(m_window->openFile(
        QStringLiteral(LOOM_SOURCE_DIR "/tests/cli/data/avgpool_include_pad.loom")));
    m_window->modeManager()->setCurrent(m_mode);
    m_window->showCurrentMode();
    PreflightPanel* pre = m_mode->preflight();
    QTRY_VERIFY_WITH_TIMEOUT(pre->isCurrent() && pre->problems().size() == 1, 20000);
    QListWidget* list = pre->list();
    QCOMPARE(list->count(), 1);
    const QString text = list->item(0)->text();
    QVERIFY2(text.contains(QStringLiteral("node \"pool\" (AvgPool2D)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("count_include_pad")), qPrintable(text));

    // Exporting it writes nothing and says why.
    const QString onnx = m_tmp.filePath(QStringLiteral("avgpool.onnx"));
    m_mode->optionsForm()->checkpointEdit()->clear();
    m_mode->optionsForm()->outputEdit()->setText(onnx);
    QVERIFY(exportAndWait(nullptr));
    QVERIFY(!m_mode->runner()->report().wrote());
    QVERIFY(!QFile::exists(onnx));
    QVERIFY(m_mode->statusLabel()->text().contains(QStringLiteral("nothing was written")));

    // A click on the row shows the node in Design, selected.
    list->scrollToItem(list->item(0));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualItemRect(list->item(0)).center());
    auto* design = m_window->findMode<DesignMode>();
    QCOMPARE(m_window->modeManager()->current(), static_cast<StudioMode*>(design));
    QCOMPARE(design->selectedNodes(), QStringList{QStringLiteral("pool")});
  }

  void cleanupTestCase() { m_window.reset(); }
};

QTEST_MAIN(ExportModeTest)
#include "export_mode_test.moc"
