#include "widgets/modes/train/series_math.h"

#include <algorithm>
#include <cmath>

namespace loom::studio {

QVector<double> smoothEma(const QVector<double>& values, double w) {
  if (w <= 0) return values;
  const bool constant =
      std::all_of(values.begin(), values.end(), [&](double v) { return v == values.front(); });
  if (constant) return values;
  QVector<double> out(values.size());
  double last = 0;
  double wPowK = 1;  // w^k after k finite points
  for (int i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!std::isfinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    wPowK *= w;
    out[i] = last / (1 - wPowK);
  }
  return out;
}

QVector<double> smoothCentred(const QVector<double>& values, int window) {
  if (window <= 1) return values;
  const int half = (window | 1) / 2;
  const int n = values.size();
  // Prefix sums of the finite values and of their count make each window O(1).
  QVector<double> sum(n + 1, 0.0);
  QVector<int> cnt(n + 1, 0);
  for (int i = 0; i < n; ++i) {
    const bool ok = std::isfinite(values[i]);
    sum[i + 1] = sum[i] + (ok ? values[i] : 0);
    cnt[i + 1] = cnt[i] + (ok ? 1 : 0);
  }
  QVector<double> out(n);
  for (int i = 0; i < n; ++i) {
    const int a = std::max(0, i - half), b = std::min(n, i + half + 1);
    const int c = cnt[b] - cnt[a];
    out[i] = c > 0 ? (sum[b] - sum[a]) / c : values[i];
  }
  return out;
}

XY decimateMinMax(const QVector<double>& x, const QVector<double>& y, double lo, double hi,
                  int columns) {
  XY out;
  const int n = std::min(x.size(), y.size());
  if (n == 0 || columns < 1 || !(hi >= lo)) return out;
  // First index with x >= lo, first with x > hi (x is non-decreasing).
  const int begin = int(std::lower_bound(x.begin(), x.begin() + n, lo) - x.begin());
  const int end = int(std::upper_bound(x.begin(), x.begin() + n, hi) - x.begin());
  out.x.reserve(2 * columns + 2);
  out.y.reserve(2 * columns + 2);
  auto push = [&](int i) {
    out.x.append(x[i]);
    out.y.append(y[i]);
  };
  for (int i = begin - 1; i >= 0; --i)  // the nearest finite point left of the range
    if (std::isfinite(y[i])) {
      push(i);
      break;
    }
  const double width = hi > lo ? (hi - lo) / columns : 1;
  int i = begin;
  while (i < end) {
    const int col = std::min(columns - 1, int((x[i] - lo) / width));
    int iMin = -1, iMax = -1;
    for (; i < end && std::min(columns - 1, int((x[i] - lo) / width)) == col; ++i) {
      if (!std::isfinite(y[i])) continue;
      if (iMin < 0 || y[i] < y[iMin]) iMin = i;
      if (iMax < 0 || y[i] > y[iMax]) iMax = i;
    }
    if (iMin < 0) continue;
    if (iMin == iMax) {
      push(iMin);
    } else {
      push(std::min(iMin, iMax));
      push(std::max(iMin, iMax));
    }
  }
  for (int j = end; j < n; ++j)
    if (std::isfinite(y[j])) {
      push(j);
      break;
    }
  return out;
}

}  // namespace loom::studio

namespace loom::studio {

double histogramQuantile(const QVector<double>& limits, const QVector<double>& counts, double min,
                         double max, double fraction) {
  const int n = std::min(limits.size(), counts.size());
  double total = 0;
  for (int i = 0; i < n; ++i) total += std::max(0.0, counts[i]);
  if (!(total > 0)) return NAN;
  const double target = std::clamp(fraction, 0.0, 1.0) * total;
  double below = 0;
  for (int i = 0; i < n; ++i) {
    const double c = std::max(0.0, counts[i]);
    if (c > 0 && below + c >= target) {
      const double lo = std::clamp(i == 0 ? min : limits[i - 1], min, max);
      const double hi = std::clamp(limits[i], min, max);
      return lo + (hi - lo) * ((target - below) / c);
    }
    below += c;
  }
  return max;
}

}  // namespace loom::studio
