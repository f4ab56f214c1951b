// The dashboard's Confusion tab in a real window and event loop: two real training runs on
// Fashion-MNIST (three epochs with a validation split, then the test split) are written by the
// engine's Trainer into a log directory; a RunStore tails it and the ConfusionPanel, fed only
// by the store, shows them. For every epoch of both runs and for the test split, the counts in
// the heat map and every number in the per-class table (shown text and exact value) equal the
// engine's summary (summarizeConfusion, itself tested against scikit-learn) of the matrix read
// back independently from the event file with the engine's LogDirReader; the epoch label names
// the epoch the trainer logged at that step; the colour follows the row share; switching the
// run shows the other run's numbers; a log directory without matrices says so.
#include "widgets/modes/train/confusion_panel.h"

#include <QComboBox>
#include <QLabel>
#include <QSlider>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/events/log_dir_reader.h"
#include "engine/graph/model.h"
#include "engine/train/trainer.h"
#include "tests/support/tiny_models.h"
#include "widgets/modes/train/run_store.h"

using namespace loom;
using namespace loom::studio;

namespace {

constexpr int kEpochs = 3;

QString modelText(int seed) {
  return QString::fromStdString(
             loom::test::tinyModel("confusion", loom::test::tinyMlpGraph(24), R"(training {
  epochs: %1 batch_size: 32 seed: %2 threads: 1 validation_fraction: 0.25
  optimizer { type: "adam" learning_rate: 0.003 }
}
dataset { train_limit: 768 test_limit: 400 }
)"))
      .arg(kEpochs)
      .arg(seed);
}

/// The engine's summaries of `tag` of the run in `dir`, read back from its event file.
std::vector<events::ConfusionSummary> expected(const QString& dir, const std::string& tag) {
  events::LogDirReader reader(dir.toStdString());
  reader.poll();
  std::vector<events::ConfusionSummary> out;
  const events::RunData* run = reader.run(".");
  if (!run || !run->texts.count(tag)) return out;
  for (const auto& step : run->texts.at(tag)) {
    std::vector<std::string> classes;
    std::vector<std::int64_t> counts;
    if (!events::parseConfusionMarkdown(step.value, &classes, &counts)) return {};
    out.push_back(events::summarizeConfusion(counts, classes));
  }
  return out;
}

}  // namespace

class ConfusionPanelTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_tmp;
  QString m_logDir;

  /// Checks that what `panel` shows is `want`, cell by cell and number by number.
  static void checkShown(const ConfusionPanel& panel, const events::ConfusionSummary& want) {
    const events::ConfusionSummary& got = panel.summary();
    QCOMPARE(got.classes.size(), want.classes.size());
    const int n = int(want.classes.size());
    QCOMPARE(panel.matrix()->classCount(), n);
    QTableWidget* t = panel.table();
    QCOMPARE(t->rowCount(), n + 3);
    auto checkRow = [t](int row, const events::ClassScores& c) {
      QCOMPARE(t->item(row, 0)->text(), QString::fromStdString(c.name));
      const double values[] = {c.precision, c.recall, c.f1};
      for (int col = 1; col <= 3; ++col) {
        QCOMPARE(t->item(row, col)->data(Qt::UserRole).toDouble(), values[col - 1]);
        QCOMPARE(t->item(row, col)->text(), QString::number(values[col - 1], 'f', 3));
      }
      QCOMPARE(t->item(row, 4)->text(), QString::number(c.support));
    };
    qint64 cells = 0;
    for (int k = 0; k < n; ++k) {
      checkRow(k, want.classes[k]);
      QCOMPARE(panel.matrix()->classes()[k], QString::fromStdString(want.classes[k].name));
      QCOMPARE(panel.matrix()->count(k, k), qint64(want.classes[k].correct));
      qint64 row = 0, column = 0;
      for (int j = 0; j < n; ++j) {
        row += panel.matrix()->count(k, j);
        column += panel.matrix()->count(j, k);
      }
      QCOMPARE(row, qint64(want.classes[k].support));
      QCOMPARE(column, qint64(want.classes[k].predicted));
      cells += row;
    }
    QCOMPARE(cells, qint64(want.total));
    QCOMPARE(t->item(n, 0)->text(), QStringLiteral("accuracy"));
    QCOMPARE(t->item(n, 3)->data(Qt::UserRole).toDouble(), want.accuracy);
    QCOMPARE(t->item(n, 4)->text(), QString::number(want.total));
    checkRow(n + 1, want.macro);
    checkRow(n + 2, want.weighted);
  }

 private slots:
  void initTestCase() {
    QVERIFY(m_tmp.isValid());
    m_logDir = m_tmp.filePath(QStringLiteral("runs"));
    for (int seed : {3, 4}) {
      auto model =
          parseModel(modelText(seed).toStdString(), "confusion" + std::to_string(seed) + ".loom");
      QVERIFY2(model.hasValue(), model.status().message().c_str());
      TrainOptions o;
      o.runDir = (m_logDir + QStringLiteral("/seed%1").arg(seed)).toStdString();
      auto trainer = Trainer::create(*model, o);
      QVERIFY2(trainer.hasValue(), trainer.status().message().c_str());
      auto result = (*trainer)->run();
      QVERIFY2(result.hasValue(), result.status().message().c_str());
    }
  }

  void showsTheEngineSummaryOfEveryEpoch() {
    RunStore store;
    store.setPollIntervalMs(50);
    ConfusionPanel panel(&store);
    panel.resize(1200, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    store.setLogDir(m_logDir);
    QTRY_COMPARE_WITH_TIMEOUT(panel.runBox()->count(), 2, 20000);

    for (const QString& name : {QStringLiteral("seed3"), QStringLiteral("seed4")}) {
      const QString dir = m_logDir + QLatin1Char('/') + name;
      const int index = store.indexOf(dir);
      QVERIFY(index >= 0);
      QVERIFY(panel.setRun(index));
      QCOMPARE(panel.runBox()->currentText(), name);
      // The validation split is first: one matrix per epoch, the newest shown.
      QCOMPARE(panel.tag(), QStringLiteral("confusion_matrix/validation"));
      QTRY_COMPARE(panel.entryCount(), kEpochs);
      QCOMPARE(panel.entry(), kEpochs - 1);
      QVERIFY(panel.epochSlider()->isEnabled());
      const auto want = expected(dir, "confusion_matrix/validation");
      QCOMPARE(int(want.size()), kEpochs);
      for (int e = 0; e < kEpochs; ++e) {
        panel.setEntry(e);
        QVERIFY(panel.shownEpoch().has_value());
        QCOMPARE(*panel.shownEpoch(), e + 1);
        QVERIFY(panel.epochLabel()->text().startsWith(QStringLiteral("epoch %1 ").arg(e + 1)));
        checkShown(panel, want[std::size_t(e)]);
        QCOMPARE(qint64(want[std::size_t(e)].total), qint64(192));  // a quarter of 768 samples
      }
      // The test split: one matrix, at the end of the run.
      QVERIFY(panel.setTag(QStringLiteral("confusion_matrix/test")));
      QCOMPARE(panel.entryCount(), 1);
      const auto test = expected(dir, "confusion_matrix/test");
      QCOMPARE(int(test.size()), 1);
      checkShown(panel, test[0]);
      QCOMPARE(qint64(test[0].total), qint64(400));
      QVERIFY(panel.setTag(QStringLiteral("confusion_matrix/validation")));
    }
    // The two runs differ (different seeds), so switching really changed what is shown.
    QVERIFY(panel.setRun(store.indexOf(m_logDir + QStringLiteral("/seed3"))));
    panel.setEntry(0);
    const double first = panel.summary().accuracy;
    QVERIFY(panel.setRun(store.indexOf(m_logDir + QStringLiteral("/seed4"))));
    panel.setEntry(0);
    const auto other = expected(m_logDir + QStringLiteral("/seed4"), "confusion_matrix/validation");
    QCOMPARE(panel.summary().accuracy, other[0].accuracy);
    const auto mine = expected(m_logDir + QStringLiteral("/seed3"), "confusion_matrix/validation");
    QCOMPARE(first, mine[0].accuracy);

    // Colour: the cell with the larger share of its row is the more saturated of the same hue.
    ConfusionMatrixView* m = panel.matrix();
    for (int r = 0; r < m->classCount(); ++r) {
      for (int c = 0; c < m->classCount(); ++c) {
        const double f = m->rowFraction(r, c);
        const qint64 rowSum = [&] {
          qint64 s = 0;
          for (int j = 0; j < m->classCount(); ++j) s += m->count(r, j);
          return s;
        }();
        QCOMPARE(f, rowSum > 0 ? double(m->count(r, c)) / double(rowSum) : 0.0);
      }
      const QColor empty = m->cellColour(r, r == 0 ? 1 : 0);
      if (m->count(r, r) > 0 && m->count(r, r == 0 ? 1 : 0) == 0)
        QVERIFY(m->cellColour(r, r) != empty);
    }
    QVERIFY(!panel.grab().isNull());  // it paints
  }

  void hiddenRunsAndNoMatricesSaySo() {
    RunStore store;
    store.setPollIntervalMs(50);
    ConfusionPanel panel(&store);
    store.setLogDir(m_logDir);
    QTRY_COMPARE_WITH_TIMEOUT(panel.runBox()->count(), 2, 20000);
    panel.setVisibleRuns({});  // every run unchecked in the run list
    QTRY_COMPARE(panel.runBox()->count(), 0);
    QCOMPARE(panel.entryCount(), 0);
    QCOMPARE(panel.table()->rowCount(), 0);
    QCOMPARE(panel.matrix()->classCount(), 0);
    const auto labels = panel.findChildren<QLabel*>();
    bool said = false;
    for (QLabel* l : labels) said |= l->text().startsWith(QStringLiteral("No confusion matrix"));
    QVERIFY(said);
  }
};

QTEST_MAIN(ConfusionPanelTest)
#include "confusion_panel_test.moc"
