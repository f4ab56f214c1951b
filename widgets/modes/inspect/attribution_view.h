// AttributionView: the Inspect mode's central picture — the sample, then its attribution maps
// side by side, one column per method and one row per class explained (the target, and the
// class it is compared with), each map drawn over the image with the engine's colour scale
// (engine/explain/render.h: overlayColor, overlayFullScale) and its own colour bar, labelled
// with the value drawn at full colour. Under each map: its faithfulness (deletion / insertion
// AUC) and the method's own number (IG's completeness gap, LIME's R²).
//
// Hovering a map shows the attribution value under the pointer (hoverText(), also emitted as
// hoverChanged) and marks the same pixel on every tile. setOpacity() changes how strongly the
// colour covers the image (the slider), without recomputing anything.
//
// The view only draws what it is given: maps arrive one at a time (setMap) into the grid laid
// out by setGrid(); a cell whose map has not arrived says so.
#pragma once

#include <QHash>
#include <QImage>
#include <QString>
#include <QStringList>
#include <QWidget>
#include <vector>

#include "widgets/modes/inspect/inspect_types.h"

namespace loom::studio {

class AttributionView : public QWidget {
  Q_OBJECT

 public:
  explicit AttributionView(QWidget* parent = nullptr);

  /// The sample shown (its display image, a caption such as "Sample 17 · true Sneaker ·
  /// predicted Sandal (62 %)", drawn in the warning colour when `misclassified`). Clears the
  /// maps and the grid. A null image shows `caption` alone (a message).
  void setSample(const QImage& image, const QString& caption, bool misclassified);
  /// The grid: `methods` (registry names) with `titles`, and one row per class of `targets`
  /// labelled `rowLabels` ("Sneaker (target)"). Clears the maps.
  void setGrid(const QStringList& methods, const QStringList& titles,
               const std::vector<int>& targets, const QStringList& rowLabels);
  /// Places `map` in the row of map.target and the column of map.method (ignored when the
  /// grid has neither).
  void setMap(const AttributionMap& map);
  /// The map in (row, column), or null while it is computing.
  const AttributionMap* mapAt(int row, int column) const;
  int rows() const { return static_cast<int>(m_targets.size()); }
  int columns() const { return static_cast<int>(m_methods.size()); }
  /// Maps that have arrived.
  int mapCount() const { return static_cast<int>(m_maps.size()); }

  /// How much the colour covers the image, in [0, 1] (default 0.65, as `loom explain`).
  void setOpacity(double opacity);
  double opacity() const { return m_opacity; }

  /// Where map (row, column) is drawn, in widget coordinates (the image area only; empty
  /// outside the grid). Column -1 is the plain image.
  QRect tileRect(int row, int column) const;
  /// "Integrated Gradients · Sneaker · pixel (12, 20): +0.0132" for the hovered pixel, or "".
  QString hoverText() const { return m_hoverText; }
  /// Draws the whole picture into `image`, made at `scale` times the widget's size (Export
  /// PNG; blankImageInBackground() makes it without faulting its pages in on this thread).
  void renderInto(QImage& image, qreal scale) const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 signals:
  void hoverChanged(const QString& text);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  struct Geometry {
    int tile = 0;       // side of a square tile
    int left = 0;       // width of the row labels
    int top = 0;        // y of the first row's titles
    int rowHeight = 0;  // title + tile + colour bar + metrics
  };
  Geometry geometry() const;
  void paintTile(QPainter& p, const QRect& r, int row, int column) const;
  void paintColourBar(QPainter& p, const QRect& r, const AttributionMap& m) const;
  void paintLegend(QPainter& p, int y) const;
  QFont smallFont() const;
  /// The colour layer of `m` (ARGB, alpha = the scale's opacity), cached by cell.
  const QImage& layer(int row, int column) const;
  void setHover(int row, int column, int px, int py);

  QImage m_image;
  QString m_caption;
  bool m_misclassified = false;
  QStringList m_methods, m_titles, m_rowLabels;
  std::vector<int> m_targets;
  QHash<int, AttributionMap> m_maps;  // key row * 1000 + column
  mutable QHash<int, QImage> m_layers;
  double m_opacity = 0.65;
  int m_hoverX = -1, m_hoverY = -1;  // image pixel under the pointer
  QString m_hoverText;
};

}  // namespace loom::studio
