// Smoothing and decimation of the dashboard (widgets/modes/train/series_math.h) against an
// independent NumPy implementation (series_math_reference.py, /usr/bin/python3): the debiased
// EMA in closed form, the centred moving average by convolution, min/max decimation by a
// direct loop. The series has NaN and Inf in it, a spike, and repeated values. A missing
// NumPy fails the test.
#include "widgets/modes/train/series_math.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtTest>
#include <cmath>

using namespace loom::studio;

namespace {
QVector<double> readColumn(const QString& path, int column = 0, int columns = 1) {
  QVector<double> out;
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return out;
  QTextStream in(&f);
  while (!in.atEnd()) {
    const QStringList parts = in.readLine().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (parts.size() != columns) continue;
    out.append(parts[column].toDouble());
  }
  return out;
}

bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}
}  // namespace

class SeriesMathTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QVector<double> m_y;

 private slots:
  void initTestCase() {
    QVERIFY(m_dir.isValid());
    QRandomGenerator rng(7);
    for (int i = 0; i < 2000; ++i) m_y.append(std::exp(-i / 500.0) + 0.1 * rng.generateDouble());
    m_y[0] = NAN;
    m_y[17] = NAN;
    m_y[400] = INFINITY;
    m_y[1200] = 25;                                  // a spike decimation must keep
    for (int i = 1500; i < 1520; ++i) m_y[i] = 0.5;  // ties
    QFile f(m_dir.filePath(QStringLiteral("series.txt")));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Text));
    QTextStream out(&f);
    for (double v : m_y) out << QString::number(v, 'g', 17) << '\n';
    f.close();
    QProcess python;
    python.start(
        QStringLiteral("/usr/bin/python3"),
        {QStringLiteral(LOOM_SOURCE_DIR "/tests/widgets/series_math_reference.py"), m_dir.path()});
    QVERIFY2(python.waitForFinished(120000), "python did not finish");
    QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
  }

  void emaMatchesClosedForm() {
    for (double w : {0.0, 0.6, 0.9, 0.99}) {
      const QVector<double> ref = readColumn(m_dir.filePath(QStringLiteral("ema_%1.txt").arg(w)));
      QCOMPARE(ref.size(), m_y.size());
      const QVector<double> got = smoothEma(m_y, w);
      for (int i = 0; i < ref.size(); ++i)
        QVERIFY2(same(got[i], ref[i]),
                 qPrintable(
                     QStringLiteral("w %1 i %2: %3 vs %4").arg(w).arg(i).arg(got[i]).arg(ref[i])));
    }
  }

  void emaOfAConstantIsTheConstant() {
    const QVector<double> c(50, 3.25);
    QCOMPARE(smoothEma(c, 0.9), c);
  }

  void centredMatchesConvolution() {
    for (int n : {1, 9, 51}) {
      const QVector<double> ref =
          readColumn(m_dir.filePath(QStringLiteral("centred_%1.txt").arg(n)));
      QCOMPARE(ref.size(), m_y.size());
      const QVector<double> got = smoothCentred(m_y, n);
      for (int i = 0; i < ref.size(); ++i)
        QVERIFY2(same(got[i], ref[i]),
                 qPrintable(
                     QStringLiteral("n %1 i %2: %3 vs %4").arg(n).arg(i).arg(got[i]).arg(ref[i])));
    }
  }

  void decimationMatchesDirectLoop() {
    QVector<double> x(m_y.size());
    for (int i = 0; i < x.size(); ++i) x[i] = i;
    const XY got = decimateMinMax(x, m_y, 100, 1900, 37);
    const QVector<double> rx = readColumn(m_dir.filePath(QStringLiteral("decimate.txt")), 0, 2);
    const QVector<double> ry = readColumn(m_dir.filePath(QStringLiteral("decimate.txt")), 1, 2);
    QCOMPARE(got.x.size(), rx.size());
    for (int i = 0; i < rx.size(); ++i) {
      QCOMPARE(got.x[i], rx[i]);
      QVERIFY(same(got.y[i], ry[i]));
    }
    QVERIFY(got.y.contains(25.0));  // the spike survives
    QVERIFY(got.x.size() <= 2 * 37 + 2);
  }
};

QTEST_MAIN(SeriesMathTest)
#include "series_math_test.moc"
