// The dashboard's run store and run list on bad and good input, with real directories and a
// real event loop: a log directory with no runs, one that does not exist, an unreadable
// run.json (a directory of that name: root ignores permission bits, so mode 000 would not
// do), a run.json that is not JSON, a run deleted while open — each gives a clear message in
// the run list (or above it) and nothing crashes; a good run.json fills status, model,
// best metric and the per-epoch curves; the run filter is a regular expression; the runs
// table exports to CSV with the hyperparameters as columns.
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "widgets/modes/train/run_list_model.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/train/runs_panel.h"

using namespace loom::studio;

namespace {
void write(const QString& path, const QByteArray& bytes) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(bytes);
}

const QByteArray kRunJson = R"({"format_version": 1, "model": "cnn", "host": "box",
  "status": "completed", "seed": 3, "batch_size": 64, "epochs": 2,
  "optimizer": {"type": "adam", "learning_rate": 0.001},
  "epoch_metrics": [
    {"epoch": 1, "train_loss": 0.9, "train_accuracy": 0.70, "validation_accuracy": 0.75},
    {"epoch": 2, "train_loss": 0.6, "train_accuracy": 0.80, "validation_accuracy": 0.81}],
  "test": {"loss": 0.55, "accuracy": 0.8, "samples": 500}})";

int rowOf(const RunStore& store, const QString& name) {
  for (int i = 0; i < store.count(); ++i)
    if (store.run(i).name == name) return i;
  return -1;
}
}  // namespace

class RunStoreTest : public QObject {
  Q_OBJECT

 private slots:
  void emptyAndMissingDirectoriesSaySo() {
    QTemporaryDir tmp;
    RunStore store;
    RunsPanel panel(&store);
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_VERIFY(store.logDirProblem().startsWith(QStringLiteral("No runs in")));
    QTRY_VERIFY(!panel.problemLabel()->isHidden());
    QVERIFY(panel.problemLabel()->text().contains(tmp.path()));
    store.setLogDir(tmp.filePath(QStringLiteral("nowhere")));
    QTRY_VERIFY(store.logDirProblem().contains(QStringLiteral("does not exist")));
    QCOMPARE(store.count(), 0);
  }

  void goodRunFillsTheList() {
    QTemporaryDir tmp;
    write(tmp.filePath(QStringLiteral("a/run.json")), kRunJson);
    RunStore store;
    RunsPanel panel(&store);
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_COMPARE(store.count(), 1);
    QTRY_COMPARE(store.run(0).status, QStringLiteral("completed"));
    const RunRecord& r = store.run(0);
    QCOMPARE(r.name, QStringLiteral("a"));
    QCOMPARE(r.model, QStringLiteral("cnn"));
    QVERIFY(r.problem.isEmpty());
    QCOMPARE(r.scalars.value(QStringLiteral("epoch/train_loss")).values,
             (QVector<double>{0.9, 0.6}));
    QVERIFY(!r.scalars.contains(QStringLiteral("epoch/validation_loss")));  // absent: absent
    store.setBestTag(QStringLiteral("epoch/validation_accuracy"), false);
    QVERIFY(store.run(0).best && *store.run(0).best == 0.81);
    store.setBestTag(QStringLiteral("epoch/train_loss"), true);
    QVERIFY(store.run(0).best && *store.run(0).best == 0.6);
    QCOMPARE(panel.table()->model()->rowCount(), 1);
    QCOMPARE(panel.table()->model()->index(0, RunListModel::Status).data().toString(),
             QStringLiteral("completed"));

    const QString csv = tmp.filePath(QStringLiteral("runs.csv"));
    QVERIFY(panel.exportCsv(csv));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const QList<QByteArray> header = lines[0].split(','), row = lines[1].split(',');
    QCOMPARE(row.size(), header.size());
    QCOMPARE(row[header.indexOf("learning_rate")].toDouble(), 0.001);
    QCOMPARE(row[header.indexOf("test/accuracy")].toDouble(), 0.8);
    QCOMPARE(row[header.indexOf("optimizer")], QByteArray("adam"));
  }

  void unreadableAndBrokenFilesAreNamed() {
    QTemporaryDir tmp;
    QDir().mkpath(tmp.filePath(QStringLiteral("unreadable/run.json")));  // a directory
    write(tmp.filePath(QStringLiteral("broken/run.json")), "{\"status\": ");
    write(tmp.filePath(QStringLiteral("good/run.json")), kRunJson);
    RunStore store;
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_COMPARE(store.count(), 3);
    QTRY_VERIFY(!store.run(rowOf(store, QStringLiteral("broken"))).problem.isEmpty());
    const QString unreadable = store.run(rowOf(store, QStringLiteral("unreadable"))).problem;
    QVERIFY2(unreadable.startsWith(QStringLiteral("Cannot read ")) &&
                 unreadable.contains(QStringLiteral("unreadable/run.json")),
             qPrintable(unreadable));
    const QString broken = store.run(rowOf(store, QStringLiteral("broken"))).problem;
    QVERIFY2(broken.contains(QStringLiteral("broken/run.json")) &&
                 broken.contains(QStringLiteral("is not a run.json file")),
             qPrintable(broken));
    QTRY_COMPARE(store.run(rowOf(store, QStringLiteral("good"))).status,
                 QStringLiteral("completed"));  // the others keep loading
  }

  void runDeletedWhileOpen() {
    QTemporaryDir tmp;
    write(tmp.filePath(QStringLiteral("gone/run.json")), kRunJson);
    write(tmp.filePath(QStringLiteral("kept/run.json")), kRunJson);
    RunStore store;
    RunsPanel panel(&store);
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_COMPARE(store.count(), 2);
    QTRY_COMPARE(store.run(rowOf(store, QStringLiteral("gone"))).status,
                 QStringLiteral("completed"));
    QVERIFY(QDir(tmp.filePath(QStringLiteral("gone"))).removeRecursively());
    const int gone = rowOf(store, QStringLiteral("gone"));
    QTRY_COMPARE(store.run(gone).status, QStringLiteral("deleted"));
    QVERIFY(store.run(gone).problem.contains(QStringLiteral("was deleted")));
    QCOMPARE(store.run(gone).scalars.value(QStringLiteral("epoch/train_loss")).size(), 2);
    QVERIFY(store.run(rowOf(store, QStringLiteral("kept"))).problem.isEmpty());
  }

  void filterIsARegularExpression() {
    QTemporaryDir tmp;
    for (const char* name : {"cnn-lr0.1", "cnn-lr0.01", "mlp-lr0.1"})
      write(tmp.filePath(QLatin1String(name) + QStringLiteral("/run.json")), kRunJson);
    RunStore store;
    RunsPanel panel(&store);
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_COMPARE(store.count(), 3);
    QSignalSpy visible(&panel, &RunsPanel::visibleRunsChanged);
    panel.filter()->setText(QStringLiteral("^cnn-lr0\\.1$"));
    QCOMPARE(panel.visibleRuns().size(), 1);
    QCOMPARE(store.run(*panel.visibleRuns().begin()).name, QStringLiteral("cnn-lr0.1"));
    panel.filter()->setText(QStringLiteral("lr0\\.1"));
    QCOMPARE(panel.visibleRuns().size(), 2);
    panel.filter()->setText(QStringLiteral("(unclosed"));  // invalid: keeps the last filter
    QCOMPARE(panel.visibleRuns().size(), 2);
    QVERIFY(!panel.filter()->toolTip().isEmpty());
    QVERIFY(visible.count() >= 3);
  }
};

QTEST_MAIN(RunStoreTest)
#include "run_store_test.moc"
