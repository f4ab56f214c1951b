#include "widgets/modes/embeddings/point_style.h"

#include <QHash>
#include <algorithm>
#include <cmath>
#include <cstring>

namespace loom::studio {

namespace {

std::uint32_t pack(const QColor& c) {
  const std::uint8_t bytes[4] = {std::uint8_t(c.red()), std::uint8_t(c.green()),
                                 std::uint8_t(c.blue()), 255};
  std::uint32_t v;
  std::memcpy(&v, bytes, 4);
  return v;
}

// A viridis-like ramp through five anchors, t in [0, 1].
QColor ramp(double t) {
  static const QColor anchors[] = {QColor(68, 1, 84), QColor(59, 82, 139), QColor(33, 145, 140),
                                   QColor(94, 201, 98), QColor(253, 231, 37)};
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, int(t));
  const double f = t - i;
  const QColor &a = anchors[i], &b = anchors[i + 1];
  return QColor(int(a.red() + (b.red() - a.red()) * f),
                int(a.green() + (b.green() - a.green()) * f),
                int(a.blue() + (b.blue() - a.blue()) * f));
}

}  // namespace

const std::vector<QColor>& categoryPalette() {
  static const std::vector<QColor> palette = {
      QColor("#4e79a7"), QColor("#f28e2b"), QColor("#e15759"), QColor("#76b7b2"),
      QColor("#59a14f"), QColor("#edc948"), QColor("#b07aa1"), QColor("#ff9da7"),
      QColor("#9c755f"), QColor("#bab0ac"), QColor("#a0cbe8"), QColor("#ffbe7d"),
      QColor("#ff9d9a"), QColor("#86bcb6"), QColor("#8cd17d"), QColor("#f1ce63"),
      QColor("#d4a6c8"), QColor("#fabfd2"), QColor("#d7b5a6"), QColor("#79706e")};
  return palette;
}

PointColors colorByColumn(const EmbeddingSet& set, int column) {
  PointColors out;
  const auto n = std::size_t(set.points);
  const bool valid = column >= 0 && column < int(set.metadata.columns.size());
  if (!valid) {
    out.rgba.assign(n, pack(categoryPalette().front()));
    out.legend.push_back({QStringLiteral("all points"), categoryPalette().front(), set.points});
    return out;
  }
  // Numeric? Every cell parses and there are many distinct values.
  std::vector<double> values(n);
  bool numeric = true;
  QHash<QString, int> index;
  std::vector<QString> names;
  std::vector<int> category(n);
  for (std::size_t i = 0; i < n; ++i) {
    const QString text = set.cell(std::int64_t(i), column);
    bool ok = false;
    if (numeric) values[i] = text.toDouble(&ok);
    numeric = numeric && ok && std::isfinite(values[i]);
    auto it = index.find(text);
    if (it == index.end()) {
      it = index.insert(text, int(names.size()));
      names.push_back(text);
    }
    category[i] = it.value();
  }
  if (numeric && int(names.size()) > kMaxCategories && n > 0) {
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    const double span = *hi - *lo;
    out.numeric = true;
    out.rgba.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      out.rgba[i] = pack(ramp(span > 0 ? (values[i] - *lo) / span : 0.5));
    out.legend.push_back({QString::number(*lo, 'g', 6), ramp(0), 0});
    out.legend.push_back({QString::number(*hi, 'g', 6), ramp(1), 0});
    return out;
  }
  const auto& palette = categoryPalette();
  const bool overflow = int(names.size()) > kMaxCategories;  // the last colour means "other"
  const int shown = overflow ? kMaxCategories - 1 : int(names.size());
  for (int c = 0; c < shown; ++c)
    out.legend.push_back({names[std::size_t(c)], palette[std::size_t(c)], 0});
  if (shown < int(names.size()))
    out.legend.push_back(
        {QStringLiteral("other (%1 values)").arg(names.size() - std::size_t(shown)), palette.back(),
         0});
  out.rgba.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t entry = std::size_t(std::min(category[i], shown));
    out.legend[entry].count++;
    out.rgba[i] = pack(out.legend[entry].color);
  }
  return out;
}

std::vector<std::uint8_t> matchMetadata(const EmbeddingSet& set, int column,
                                        const QRegularExpression& pattern) {
  std::vector<std::uint8_t> out(std::size_t(set.points), 0);
  if (!pattern.isValid() || set.metadata.empty()) return out;
  const int columns = int(set.metadata.columns.size());
  for (std::int64_t i = 0; i < set.points; ++i) {
    bool hit = false;
    for (int c = column < 0 ? 0 : column; c < (column < 0 ? columns : column + 1) && !hit; ++c)
      hit = pattern.match(set.cell(i, c)).hasMatch();
    out[std::size_t(i)] = hit ? 1 : 0;
  }
  return out;
}

}  // namespace loom::studio
