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
#include "widgets/modes/train/scalar_columns.h"

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

  // The tailer's ColumnStore: the arrays the reader writes become the QVectors of the update
  // without a copy (same memory), small and big (huge-page, pre-faulted) alike, and behave as
  // any QVector afterwards: shared copies, detach on write, append, and freed by Qt.
  void columnsBecomeQVectorsWithoutACopy() {
    for (const std::size_t n : {std::size_t{3}, std::size_t{700'000}}) {
      ColumnStore store;
      loom::events::ScalarColumns& c = store.columns("run", "loss");
      QCOMPARE(&store.columns("run", "loss"), &c);
      c.reserve(1024, 1024);
      for (std::size_t i = 0; i < n; ++i) {
        if (c.size() == c.capacity()) c.reserve(c.size() + 1, 2 * c.capacity());
        c.append(double(i), 1e9 + double(i), 0.5 * double(i));
      }
      const double* values = c.values();
      QHash<QString, ScalarSeries> scalars;
      store.takeInto("run", scalars);
      QCOMPARE(scalars.size(), 1);
      ScalarSeries s = scalars.take(QStringLiteral("loss"));
      QCOMPARE(s.size(), int(n));
      QCOMPARE(s.values.constData(), values);  // taken, not copied
      for (std::size_t i = 0; i < n; i += n / 3 + 1) {
        QCOMPARE(s.steps[qsizetype(i)], double(i));
        QCOMPARE(s.walls[qsizetype(i)], 1e9 + double(i));
        QCOMPARE(s.values[qsizetype(i)], 0.5 * double(i));
      }
      ScalarSeries copy = s;
      copy.values[0] = -1;  // detaches
      QCOMPARE(s.values[0], 0.0);
      s.append(1, 2, 3);
      QCOMPARE(s.size(), int(n) + 1);
      QCOMPARE(s.values.last(), 3.0);
      QCOMPARE(copy.size(), int(n));
      QHash<QString, ScalarSeries> none;
      store.takeInto("run", none);  // taken once only
      QVERIFY(none.isEmpty());
    }
  }

  // Columns sharing another's times (written in the same records) take only values: their
  // series get the leader's steps and walls QVectors, the same arrays, or the leader's first
  // n points when they have n; one that parts (ownTimes) copies the leader's so far.
  void sharedTimesBecomeTheLeadersQVectors() {
    ColumnStore store;
    loom::events::ScalarColumns& a = store.columns("run", "a");
    loom::events::ScalarColumns& b = store.columns("run", "b");
    loom::events::ScalarColumns& c = store.columns("run", "c");
    loom::events::ScalarColumns& d = store.columns("run", "d");
    for (loom::events::ScalarColumns* x : {&b, &c, &d}) x->shareTimesOf(a);
    for (loom::events::ScalarColumns* x : {&a, &b, &c, &d}) x->reserve(1024, 1024);
    QVERIFY(!b.steps() && !b.walls());
    for (int i = 0; i < 10; ++i) {
      a.append(i, 100 + i, i);
      b.appendValue(-i);
      if (i < 7) c.appendValue(2 * i);
      if (i < 3) d.appendValue(3 * i);
    }
    d.ownTimes();
    QVERIFY(!d.timesOf() && d.steps());
    d.append(50, 150, 9);
    QHash<QString, ScalarSeries> s;
    store.takeInto("run", s);
    QCOMPARE(s.size(), 4);
    QCOMPARE(s[QStringLiteral("b")].steps.constData(), s[QStringLiteral("a")].steps.constData());
    QCOMPARE(s[QStringLiteral("b")].walls.constData(), s[QStringLiteral("a")].walls.constData());
    QCOMPARE(s[QStringLiteral("b")].values,
             QVector<double>({0, -1, -2, -3, -4, -5, -6, -7, -8, -9}));
    QCOMPARE(s[QStringLiteral("c")].steps, QVector<double>({0, 1, 2, 3, 4, 5, 6}));
    QCOMPARE(s[QStringLiteral("c")].walls.size(), 7);
    QCOMPARE(s[QStringLiteral("d")].steps, QVector<double>({0, 1, 2, 50}));
    QCOMPARE(s[QStringLiteral("d")].walls, QVector<double>({100, 101, 102, 150}));
    QCOMPARE(s[QStringLiteral("d")].values, QVector<double>({0, 3, 6, 9}));
  }

  // A run that grows while it is tailed: the points of later polls are appended to the
  // store's series, in order, after the first poll's taken arrays. Tags written in the same
  // records share one steps array and one walls array, also after appends; a tag that parts
  // from them (written alone) gets arrays of its own, with the same points.
  void pointsWrittenWhileTailedAreAppendedInOrder() {
    QTemporaryDir tmp;
    auto writer = loom::events::EventWriter::open(tmp.filePath(QStringLiteral("r")).toStdString());
    QVERIFY(writer);
    const auto write = [&](int from, int to) {
      for (int step = from; step < to; ++step)
        (*writer)->scalars(step, {{"loss", step}, {"accuracy", -step}, {"lr", 0.5 * step}});
    };
    write(0, 3000);
    QVERIFY((*writer)->flush().isOk());
    RunStore store;
    store.setPollIntervalMs(50);
    store.setLogDir(tmp.path());
    QTRY_COMPARE(store.count(), 1);
    QTRY_COMPARE(store.run(0).scalars.value(QStringLiteral("lr")).size(), 3000);
    const auto series = [&](const char* tag) {
      return store.run(0).scalars.value(QLatin1String(tag));
    };
    QCOMPARE(series("accuracy").steps.constData(), series("loss").steps.constData());
    QCOMPARE(series("lr").walls.constData(), series("loss").walls.constData());
    write(3000, 4000);
    for (int step = 4000; step < 5000; ++step) (*writer)->scalar("accuracy", step, -step);
    QVERIFY((*writer)->close().isOk());
    QTRY_COMPARE(series("accuracy").size(), 5000);
    QTRY_COMPARE(series("lr").size(), 4000);
    QCOMPARE(series("lr").steps.constData(), series("loss").steps.constData());
    for (const char* tag : {"loss", "accuracy", "lr"}) {
      const ScalarSeries s = series(tag);
      const double scale = tag[0] == 'l' ? (tag[1] == 'o' ? 1.0 : 0.5) : -1.0;
      for (int i = 0; i < s.size(); ++i) {
        QCOMPARE(s.steps[i], double(i));
        QCOMPARE(s.values[i], scale * i);
        QVERIFY(std::isfinite(s.walls[i]));
      }
    }
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
