// Smoothing and decimation of scalar series for the dashboard's charts. Pure functions over
// arrays (no Qt widgets, no QCustomPlot), run on the decimation worker (scalar_chart.h) and
// tested against NumPy (tests/widgets/series_math_test.cpp).
//
// Smoothing is computed on the whole raw series, before decimation, so a smoothed curve does
// not change with zoom or window size.
#pragma once

#include <QVector>
#include <cstdint>

namespace loom::studio {

/// TensorBoard's debiased exponential moving average with weight `w` in [0, 1): the running
/// value starts at 0 and is divided by 1 - w^k after the k-th finite point, so the first
/// points are not pulled towards 0. A non-finite value passes through unchanged and does not
/// enter the average; a constant series is returned unchanged. w = 0 returns the input.
QVector<double> smoothEma(const QVector<double>& values, double w);

/// Centred moving average over `window` points (made odd: window | 1): the mean of the
/// finite values among the window's points, clipped at both ends; a point with none keeps
/// its value. window <= 1 returns the input.
QVector<double> smoothCentred(const QVector<double>& values, int window);

/// Min/max decimation to pixel columns. `x` must be non-decreasing (NaN x are skipped).
/// Points with x in [lo, hi] are split into `columns` equal columns; each column with points
/// yields its minimum and its maximum (in the order they occur; one point if they are the
/// same), so every spike stays visible and at most 2 * columns + 2 points come back. The
/// nearest point outside each end is kept, so the line leaves the plot's edges. Non-finite y
/// are skipped.
struct XY {
  QVector<double> x, y;
};
XY decimateMinMax(const QVector<double>& x, const QVector<double>& y, double lo, double hi,
                  int columns);

}  // namespace loom::studio

namespace loom::studio {

/// TensorBoard's distribution percentiles, in basis points: 0, 6.68, 15.87, 30.85, 50, 69.15,
/// 84.13, 93.32, 100 % (the median and ±1, ±2, ±3 sigma of a normal distribution).
inline constexpr int kDistributionBasisPoints[9] = {0,    668,  1587, 3085, 5000,
                                                    6915, 8413, 9332, 10000};

/// The value below which `fraction` (in [0, 1]) of a histogram's samples lie, assuming the
/// samples of a bucket are spread evenly over it: bucket i spans (limits[i-1], limits[i]],
/// the first starting at `min`; the ends are clamped to [min, max]. NaN for an empty
/// histogram.
double histogramQuantile(const QVector<double>& limits, const QVector<double>& counts, double min,
                         double max, double fraction);

}  // namespace loom::studio
