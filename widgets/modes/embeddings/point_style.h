// Colours and search over a set's metadata: pure functions of an EmbeddingSet, safe to run on
// a worker thread (the mode runs them through QtConcurrent so a million rows never stall the
// GUI thread).
#pragma once

#include <QColor>
#include <QRegularExpression>
#include <QString>
#include <cstdint>
#include <vector>

#include "widgets/modes/embeddings/embedding_set.h"

namespace loom::studio {

/// One row of the legend.
struct LegendEntry {
  QString text;  ///< the category ("Sneaker") or, for a numeric scale, "min" / "max" values
  QColor color;
  std::int64_t count = 0;  ///< points of this category (numeric scale: 0)
};

/// Per-point colours for one metadata column.
struct PointColors {
  std::vector<std::uint32_t> rgba;  ///< N colours, bytes R, G, B, A in memory order
  std::vector<LegendEntry> legend;  ///< categories by first appearance, or the scale's ends
  bool numeric = false;             ///< a continuous scale instead of categories
};

/// The categorical palette (Tableau's 10, then 10 lighter tones); the one list of colours.
const std::vector<QColor>& categoryPalette();
/// Categories beyond this many share one "other" colour.
inline constexpr int kMaxCategories = 20;

/// Colours by `column` of the metadata (-1, or no metadata: one colour for all). A column whose
/// every cell is a number and that has more than kMaxCategories distinct values gets a
/// continuous scale (dark blue → yellow, viridis-like) from its min to its max; otherwise one
/// palette colour per category in order of first appearance.
PointColors colorByColumn(const EmbeddingSet& set, int column);

/// 1 for each point whose metadata matches `pattern` (QRegularExpression::match anywhere in
/// the cell) in `column`, or in any column when column is -1; 0 otherwise. An invalid pattern
/// or a set without metadata matches nothing.
std::vector<std::uint8_t> matchMetadata(const EmbeddingSet& set, int column,
                                        const QRegularExpression& pattern);

}  // namespace loom::studio
