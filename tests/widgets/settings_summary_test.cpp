// Train mode's settings panel with no model open (the studio opened on a log directory
// alone): it shows the current run's own settings from the model.loom in its directory (a
// real example model whose values the test changed in the file's text), says that a foreign
// run's settings are not known, says when Loom's defaults are shown, and shows the open
// model's settings as soon as one is opened.
#include "widgets/modes/train/settings_summary.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include "engine/graph/model.h"
#include "widgets/document/document.h"

using namespace loom::studio;

namespace {
QByteArray exampleText() {
  QFile f(QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/cnn.loom"));
  if (!f.open(QIODevice::ReadOnly)) return {};
  return f.readAll();
}
}  // namespace

class SettingsSummaryTest : public QObject {
  Q_OBJECT

 private slots:
  void showsTheRunsOwnSettingsWhenNoModelIsOpen() {
    QTemporaryDir tmp;
    // A Loom run: its model.loom says epochs 3, batch size 32, learning rate 0.0125.
    QByteArray text = exampleText();
    QVERIFY(text.contains("epochs: 10"));
    QVERIFY(text.contains("batch_size: 64"));
    QVERIFY(text.contains("learning_rate: 0.001 "));
    text.replace("epochs: 10", "epochs: 3")
        .replace("batch_size: 64", "batch_size: 32")
        .replace("learning_rate: 0.001 ", "learning_rate: 0.0125 ");
    const QString loomRun = tmp.filePath(QStringLiteral("cnn-1"));
    QDir().mkpath(loomRun);
    QFile model(loomRun + QStringLiteral("/model.loom"));
    QVERIFY(model.open(QIODevice::WriteOnly));
    model.write(text);
    model.close();

    Document doc;
    SettingsSummary summary(&doc);
    QVERIFY(summary.source().contains(QStringLiteral("defaults")));
    QVERIFY(summary.tree()->topLevelItemCount() > 0);

    summary.setRun(QStringLiteral("cnn-1"), loomRun);
    QVERIFY2(summary.source().contains(QStringLiteral("cnn-1")), qPrintable(summary.source()));
    QVERIFY(summary.source().contains(QStringLiteral("model.loom")));
    QCOMPARE(summary.shownValue(QStringLiteral("training.epochs")), QStringLiteral("3 epochs"));
    QCOMPARE(summary.shownValue(QStringLiteral("training.batch_size")),
             QStringLiteral("32 samples"));
    QCOMPARE(summary.shownValue(QStringLiteral("training.optimizer.learning_rate")),
             QStringLiteral("0.0125"));

    // A run of another tool (only event files): no model.loom, so no settings are known (no
    // rows, a caption).
    const QString foreign = tmp.filePath(QStringLiteral("tf2"));
    QDir().mkpath(foreign);
    QFile events(foreign + QStringLiteral("/events.out.tfevents.1.host"));
    QVERIFY(events.open(QIODevice::WriteOnly));
    events.close();
    summary.setRun(QStringLiteral("tf2"), foreign);
    QVERIFY2(summary.source().contains(QStringLiteral("not known")), qPrintable(summary.source()));
    QCOMPARE(summary.tree()->topLevelItemCount(), 0);

    // A model.loom that does not load names the problem.
    const QString broken = tmp.filePath(QStringLiteral("broken"));
    QDir().mkpath(broken);
    QFile bad(broken + QStringLiteral("/model.loom"));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("this is { not a model");
    bad.close();
    summary.setRun(QStringLiteral("broken"), broken);
    QVERIFY2(summary.source().contains(QStringLiteral("not known")), qPrintable(summary.source()));

    // Opening a model: its settings, no caption.
    auto opened = loom::loadModel(loomRun.toStdString() + "/model.loom");
    QVERIFY(opened.hasValue());
    opened->training.set_epochs(7);
    doc.resetModel(*opened, tmp.filePath(QStringLiteral("open.loom")));
    QCOMPARE(summary.source(), QString());
    QCOMPARE(summary.shownValue(QStringLiteral("training.epochs")), QStringLiteral("7 epochs"));
  }
};

QTEST_MAIN(SettingsSummaryTest)
#include "settings_summary_test.moc"
