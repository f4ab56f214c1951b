// The dashboard's run store and run list on bad and good input, with real directories and a
// real event loop: a log directory with no runs, one that does not exist, an unreadable
// event file (a dangling link: root ignores permission bits, so mode 000 would not do), a
// run.json that is not JSON, a non-event file named *tfevents*, an event with NaN wall time,
// a run deleted while open — each gives a clear message in
// the run list (or above it) and nothing crashes; a good run.json fills status, model,
// best metric and the per-epoch curves; the run filter is a regular expression; the runs
// table exports to CSV with the hyperparameters as columns.
#include "widgets/modes/train/run_store.h"

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/events/event_writer.h"
#include "widgets/modes/train/histograms_panel.h"
#include "widgets/modes/train/images_panel.h"
#include "widgets/modes/train/run_list_model.h"
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
    QTRY_VERIFY(store.logDirProblem().startsWith(QStringLiteral("no runs under")));
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
    // An event file that cannot be opened: a link to nothing (root ignores permission bits).
    QDir().mkpath(tmp.filePath(QStringLiteral("unreadable")));
    QVERIFY(QFile::link(tmp.filePath(QStringLiteral("missing-target")),
                        tmp.filePath(QStringLiteral("unreadable/events.out.tfevents.1.host"))));
    write(tmp.filePath(QStringLiteral("broken/run.json")), "{\"status\": ");
    write(tmp.filePath(QStringLiteral("good/run.json")), kRunJson);
    RunStore store;
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_COMPARE(store.count(), 3);
    QTRY_VERIFY(!store.run(rowOf(store, QStringLiteral("broken"))).problem.isEmpty());
    const QString unreadable = store.run(rowOf(store, QStringLiteral("unreadable"))).problem;
    qInfo("unreadable: %s", qPrintable(unreadable));
    QVERIFY2(unreadable.contains(QStringLiteral("unreadable/events.out.tfevents.1.host")),
             qPrintable(unreadable));
    const QString broken = store.run(rowOf(store, QStringLiteral("broken"))).problem;
    qInfo("broken: %s", qPrintable(broken));
    QVERIFY2(broken.contains(QStringLiteral("broken/run.json")), qPrintable(broken));
    QTRY_COMPARE(store.run(rowOf(store, QStringLiteral("good"))).status,
                 QStringLiteral("completed"));  // the others keep loading
  }

  void nonEventFileAndNaNWallTimeAreReported() {
    QTemporaryDir tmp;
    // A text file named like an event file.
    write(tmp.filePath(QStringLiteral("fake/events.out.tfevents.1700000000.host")),
          "this is not a TFRecord file, just text that happens to have the name\n");
    // A real event file whose second event has a NaN wall time (serialized by hand: the
    // writer itself always stamps the clock).
    {
      auto writer =
          loom::events::EventWriter::open(tmp.filePath(QStringLiteral("nan")).toStdString());
      QVERIFY(writer);
      (*writer)->scalar("loss", 1, 0.5);
      (*writer)->rawEvent(loom::events::serializeScalarEvent(NAN, 2, "loss", 0.25f));
      (*writer)->scalar("loss", 3, 0.125);
      QVERIFY((*writer)->close().isOk());
    }
    write(tmp.filePath(QStringLiteral("good/run.json")), kRunJson);
    RunStore store;
    RunsPanel panel(&store);
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_COMPARE(store.count(), 3);
    QTRY_VERIFY(!store.run(rowOf(store, QStringLiteral("fake"))).problem.isEmpty());
    QTRY_VERIFY(!store.run(rowOf(store, QStringLiteral("nan"))).problem.isEmpty());
    const QString fake = store.run(rowOf(store, QStringLiteral("fake"))).problem;
    const QString nan = store.run(rowOf(store, QStringLiteral("nan"))).problem;
    qInfo("non-event file: %s", qPrintable(fake));
    qInfo("NaN wall time: %s", qPrintable(nan));
    QVERIFY(fake.contains(QStringLiteral("events.out.tfevents.1700000000.host")));
    QVERIFY(nan.contains(QStringLiteral("tfevents")) && nan.contains(QStringLiteral("NaN")));
    // The record before the bad one is there; the run list shows the problem in red.
    QVERIFY(store.run(rowOf(store, QStringLiteral("nan")))
                .scalars.value(QStringLiteral("loss"))
                .size() >= 1);
    const QModelIndex problem =
        panel.model()->index(rowOf(store, QStringLiteral("nan")), RunListModel::Problem);
    QCOMPARE(problem.data().toString(), nan);
    QTRY_COMPARE(store.run(rowOf(store, QStringLiteral("good"))).status,
                 QStringLiteral("completed"));
  }

  void eventFilesFillScalarsHistogramsAndImages() {
    QTemporaryDir tmp;
    {
      auto writer =
          loom::events::EventWriter::open(tmp.filePath(QStringLiteral("r")).toStdString());
      QVERIFY(writer);
      for (int step = 0; step < 100; ++step)
        (*writer)->scalar("train/loss", step, 1.0 / (step + 1));
      (*writer)->histogram("fc1/weights", 10, std::vector<float>{0.f, 1.f, 1.f, 2.f, 3.f});
      std::vector<std::uint8_t> pixels(4 * 3 * 3, 128);
      (*writer)->image("probe", 10, 4, 3, 3, pixels);
      QVERIFY((*writer)->close().isOk());
    }
    RunStore store;
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_COMPARE(store.count(), 1);
    QTRY_COMPARE(store.run(0).scalars.value(QStringLiteral("train/loss")).size(), 100);
    const ScalarSeries& loss = store.run(0).scalars[QStringLiteral("train/loss")];
    for (int i = 0; i < 100; ++i) {
      QCOMPARE(loss.steps[i], double(i));
      QCOMPARE(float(loss.values[i]), float(1.0 / (i + 1)));  // simple_value is a float
    }
    QTRY_COMPARE(store.run(0).histograms.value(QStringLiteral("fc1/weights")).size(), 1);
    const HistogramStep& h = store.run(0).histograms[QStringLiteral("fc1/weights")][0];
    QCOMPARE(h.num, 5.0);
    QCOMPARE(h.min, 0.0);
    QCOMPARE(h.max, 3.0);
    QTRY_COMPARE(store.run(0).images.value(QStringLiteral("probe")).size(), 1);
    const QImage& img = store.run(0).images[QStringLiteral("probe")][0].images.value(0);
    QCOMPARE(img.size(), QSize(4, 3));
    QCOMPARE(qRed(img.pixel(1, 1)), 128);
    QVERIFY(std::isfinite(store.run(0).startWall));
  }

  // A run with event files: run.json's epoch metrics are not plotted a second time (the
  // events hold them), and the Histograms tab opens on an activation, not the first tag.
  void eventRunsTakeMetricsFromEventsOnly() {
    QTemporaryDir tmp;
    {
      auto writer =
          loom::events::EventWriter::open(tmp.filePath(QStringLiteral("r")).toStdString());
      QVERIFY(writer);
      (*writer)->scalar("loss/train", 5, 0.9);
      (*writer)->histogram("conv1.bias/gradient", 5, std::vector<float>{0.f, 1.f});
      (*writer)->histogram("conv1/activation", 5, std::vector<float>{0.f, 1.f, 2.f, 3.f});
      QVERIFY((*writer)->close().isOk());
    }
    write(tmp.filePath(QStringLiteral("r/run.json")), kRunJson);
    RunStore store;
    HistogramsPanel histograms(&store);
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_COMPARE(store.count(), 1);
    QTRY_COMPARE(store.run(0).status, QStringLiteral("completed"));
    QTRY_COMPARE(store.run(0).histograms.size(), 2);
    QVERIFY(store.run(0).scalars.contains(QStringLiteral("loss/train")));
    QVERIFY(!store.run(0).scalars.contains(QStringLiteral("epoch/train_loss")));
    QTRY_COMPARE(histograms.tag(), QStringLiteral("conv1/activation"));
  }

  // The trainer's probe table (engine/train/event_log.cpp writes rows "| k | true | pred |",
  // a wrong prediction marked ✗) gives each probe image its caption.
  void probeCaptionsComeFromTheLabelsTable() {
    const QString table = QStringLiteral(
        "| sample | true | predicted |\n|---|---|---|\n| 0 | Ankle boot | Ankle boot |\n"
        "| 1 | Pullover | Shirt ✗ |\n| 12 | Sandal | Sneaker ✗ |\n");
    QCOMPARE(ImagesPanel::probeCaption(table, 0), QStringLiteral("Ankle boot ✓"));
    const QString wrong = ImagesPanel::probeCaption(table, 1);
    QVERIFY2(wrong.contains(QStringLiteral("Shirt ✗")) &&
                 wrong.contains(QStringLiteral("true: Pullover")),
             qPrintable(wrong));
    QVERIFY(ImagesPanel::probeCaption(table, 12).contains(QStringLiteral("true: Sandal")));
    QVERIFY(ImagesPanel::probeCaption(table, 2).isEmpty());  // "| 2 |" is no row (not "| 12 |")
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
