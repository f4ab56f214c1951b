// The maps side by side (attribution_view.h).
#include "widgets/modes/inspect/attribution_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

#include "engine/explain/render.h"

namespace loom::studio {

namespace {

constexpr int kMargin = 16, kGap = 12, kCaption = 30, kTitle = 38, kBar = 28, kMetrics = 48,
              kRowGap = 18, kLegend = 64, kLeft = 116;

int cellKey(int row, int column) {
  return row * 1000 + column;
}

QString number(double v) {  // 2 significant digits: a scale, not a measurement
  if (!std::isfinite(v)) return QStringLiteral("–");
  return QString::number(v, 'g', 2);
}

}  // namespace

QFont AttributionView::smallFont() const {
  QFont f = font();
  f.setPointSizeF(f.pointSizeF() * 0.85);
  return f;
}

AttributionView::AttributionView(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent, false);
  setObjectName(QStringLiteral("attributionView"));
}

void AttributionView::setSample(const QImage& image, const QString& caption, bool misclassified) {
  m_image = image;
  m_caption = caption;
  m_misclassified = misclassified;
  m_methods.clear();
  m_titles.clear();
  m_rowLabels.clear();
  m_targets.clear();
  m_maps.clear();
  m_layers.clear();
  setHover(-1, -1, -1, -1);
  updateGeometry();
  update();
}

void AttributionView::setGrid(const QStringList& methods, const QStringList& titles,
                              const std::vector<int>& targets, const QStringList& rowLabels) {
  m_methods = methods;
  m_titles = titles;
  m_targets = targets;
  m_rowLabels = rowLabels;
  m_maps.clear();
  m_layers.clear();
  setHover(-1, -1, -1, -1);
  updateGeometry();
  update();
}

void AttributionView::setMap(const AttributionMap& map) {
  const int column = static_cast<int>(m_methods.indexOf(map.method));
  const auto it = std::find(m_targets.begin(), m_targets.end(), map.target);
  if (column < 0 || it == m_targets.end()) return;
  const int row = static_cast<int>(it - m_targets.begin());
  m_maps.insert(cellKey(row, column), map);
  m_layers.remove(cellKey(row, column));
  update();
}

const AttributionMap* AttributionView::mapAt(int row, int column) const {
  auto it = m_maps.constFind(cellKey(row, column));
  return it == m_maps.constEnd() ? nullptr : &*it;
}

void AttributionView::setOpacity(double opacity) {
  m_opacity = std::clamp(opacity, 0.0, 1.0);
  update();
}

AttributionView::Geometry AttributionView::geometry() const {
  Geometry g;
  g.left = kLeft;
  const int cols = columns() + 1;
  const int avail = width() - 2 * kMargin - g.left - (cols - 1) * kGap;
  g.tile = std::clamp(avail / std::max(cols, 1), 84, 236);
  g.top = kMargin + kCaption;
  g.rowHeight = kTitle + g.tile + kBar + kMetrics + kRowGap;
  return g;
}

QRect AttributionView::tileRect(int row, int column) const {
  if (row < 0 || row >= rows() || column < -1 || column >= columns()) return {};
  const Geometry g = geometry();
  const int x = kMargin + g.left + (column + 1) * (g.tile + kGap);
  const int y = g.top + row * g.rowHeight + kTitle;
  return {x, y, g.tile, g.tile};
}

QSize AttributionView::sizeHint() const {
  const Geometry g = geometry();
  return {kMargin * 2 + g.left + (columns() + 1) * (g.tile + kGap),
          g.top + std::max(rows(), 1) * g.rowHeight + kLegend + kMargin};
}

QSize AttributionView::minimumSizeHint() const {
  // The height the grid takes at the current width, so a scroll area scrolls instead of
  // squeezing it; the width of the smallest tiles.
  const Geometry g = geometry();
  return {kMargin * 2 + kLeft + (columns() + 1) * (84 + kGap),
          g.top + std::max(rows(), 1) * g.rowHeight + kLegend + kMargin};
}

void AttributionView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  updateGeometry();
}

const QImage& AttributionView::layer(int row, int column) const {
  const int key = cellKey(row, column);
  auto it = m_layers.find(key);
  if (it != m_layers.end()) return *it;
  const AttributionMap& m = m_maps[key];
  QImage img(m.width, m.height, QImage::Format_ARGB32);
  const bool diverging = overlayIsDiverging(m.saliency);
  const double top = overlayFullScale(m.saliency);
  for (int y = 0; y < m.height; ++y) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
    for (int x = 0; x < m.width; ++x) {
      const OverlayColor c =
          overlayColor(m.saliency[static_cast<size_t>(y * m.width + x)] / top, diverging);
      line[x] = qRgba(static_cast<int>(c.r), static_cast<int>(c.g), static_cast<int>(c.b),
                      static_cast<int>(std::lround(255 * c.alpha)));
    }
  }
  return *m_layers.insert(key, img);
}

void AttributionView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  const QColor text = palette().text().color();
  QFont bold = font();
  bold.setBold(true);
  bold.setPointSizeF(font().pointSizeF() * 1.15);
  p.setFont(bold);
  p.setPen(m_misclassified ? QColor(0xd0, 0x30, 0x30) : text);
  p.drawText(QRect(kMargin, kMargin, width() - 2 * kMargin, kCaption), Qt::AlignLeft | Qt::AlignTop,
             m_caption);
  p.setFont(font());
  if (m_image.isNull()) return;
  const Geometry g = geometry();
  for (int row = 0; row < rows(); ++row) {
    const QRect label(kMargin, g.top + row * g.rowHeight + kTitle, g.left - 8, g.tile);
    p.setPen(text);
    QString rowText = m_rowLabels.value(row);
    for (int c = 0; c < columns(); ++c)
      if (const AttributionMap* m = mapAt(row, c); m && std::isfinite(m->score)) {
        rowText += tr("\nscore %1").arg(number(m->score));
        break;
      }
    p.drawText(label, Qt::AlignLeft | Qt::AlignVCenter | Qt::TextWordWrap, rowText);
    for (int c = -1; c < columns(); ++c) paintTile(p, tileRect(row, c), row, c);
  }
  paintLegend(p, g.top + std::max(rows(), 1) * g.rowHeight);
}

void AttributionView::paintTile(QPainter& p, const QRect& r, int row, int column) const {
  const QColor text = palette().text().color();
  // Two lines, so "Integrated Gradients" over a 100-pixel tile wraps instead of being cut.
  const QRect title(r.x(), r.y() - kTitle, r.width(), kTitle - 4);
  p.setPen(text);
  const QString name = column < 0 ? tr("Image") : m_titles.value(column, m_methods.value(column));
  p.drawText(title, Qt::AlignLeft | Qt::AlignBottom | Qt::TextWordWrap, name);
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  p.drawImage(r, m_image);
  const AttributionMap* m = column < 0 ? nullptr : mapAt(row, column);
  if (column >= 0 && (!m || !m->error.isEmpty())) {
    p.fillRect(r, QColor(0, 0, 0, 150));
    p.setPen(m ? QColor(0xff, 0x90, 0x90) : QColor(230, 230, 230));
    p.drawText(r.adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
               m ? m->error : tr("computing…"));
  } else if (m) {
    p.setOpacity(m_opacity);
    p.drawImage(r, layer(row, column));
    p.setOpacity(1);
    paintColourBar(p, QRect(r.x(), r.bottom() + 6, r.width(), kBar - 6), *m);
    QStringList lines;
    const double del = m->metric("deletion_auc"), ins = m->metric("insertion_auc");
    if (std::isfinite(del) && std::isfinite(ins))  // one line each: tiles can be 84 px wide
      lines << tr("del %1").arg(del, 0, 'f', 3) << tr("ins %1").arg(ins, 0, 'f', 3);
    if (const double gap = m->metric("completeness_gap"); std::isfinite(gap))
      lines << tr("gap %1").arg(number(gap));  // the legend explains it
    if (const double r2 = m->metric("r2"); std::isfinite(r2))
      lines << tr("fit R² %1").arg(r2, 0, 'f', 2);
    p.setFont(smallFont());
    p.setPen(palette().placeholderText().color());
    const int lh = p.fontMetrics().height();
    for (int k = 0; k < lines.size() && k < 3; ++k)
      p.drawText(QRect(r.x(), r.bottom() + kBar + k * lh, r.width(), lh),
                 Qt::AlignLeft | Qt::AlignTop,
                 p.fontMetrics().elidedText(lines[k], Qt::ElideRight, r.width()));
    p.setFont(font());
  }
  p.setPen(QPen(palette().mid().color(), 1));
  p.setBrush(Qt::NoBrush);
  p.drawRect(r.adjusted(0, 0, -1, -1));
  if (m_hoverX >= 0 && !m_image.isNull()) {  // the hovered pixel, on every tile
    const double sx = r.width() / double(m_image.width()),
                 sy = r.height() / double(m_image.height());
    const QRectF cell(r.x() + m_hoverX * sx, r.y() + m_hoverY * sy, sx, sy);
    p.setPen(QPen(Qt::black, 3));
    p.drawRect(cell);
    p.setPen(QPen(Qt::white, 1));
    p.drawRect(cell);
  }
}

void AttributionView::paintColourBar(QPainter& p, const QRect& r, const AttributionMap& m) const {
  const bool diverging = overlayIsDiverging(m.saliency);
  const double top = overlayFullScale(m.saliency);
  const QRect bar(r.x(), r.y(), r.width(), 8);
  for (int x = 0; x < bar.width(); ++x) {  // over mid grey, as the map is seen over the image
    const double t = bar.width() > 1 ? x / double(bar.width() - 1) : 0;
    const OverlayColor c = overlayColor(diverging ? 2 * t - 1 : t, diverging);
    const double a = c.alpha * m_opacity;
    p.setPen(QColor::fromRgbF((1 - a) * 0.5 + a * c.r / 255, (1 - a) * 0.5 + a * c.g / 255,
                              (1 - a) * 0.5 + a * c.b / 255));
    p.drawLine(bar.x() + x, bar.y(), bar.x() + x, bar.bottom());
  }
  p.setFont(smallFont());
  p.setPen(palette().placeholderText().color());
  const QRect labels(r.x(), bar.bottom() + 2, r.width(), r.height() - bar.height() - 2);
  const QString low = diverging ? QStringLiteral("−%1").arg(number(top)) : QStringLiteral("0");
  const QString high = (diverging ? QStringLiteral("+") : QString()) + number(top);
  p.drawText(labels, Qt::AlignLeft | Qt::AlignTop, low);
  p.drawText(labels, Qt::AlignRight | Qt::AlignTop, high);
  const QFontMetrics fm = p.fontMetrics();
  const int room = r.width() - 2 * std::max(fm.horizontalAdvance(low), fm.horizontalAdvance(high));
  if (diverging && room > 3 * fm.horizontalAdvance(QLatin1Char('0')))
    p.drawText(labels, Qt::AlignHCenter | Qt::AlignTop, QStringLiteral("0"));
  p.setFont(font());
}

void AttributionView::paintLegend(QPainter& p, int y) const {
  if (rows() == 0) return;
  const QRect r(kMargin, y, width() - 2 * kMargin, kLegend);
  const int sw = 14;
  auto swatch = [&](int x, QColor c, const QString& label) {
    p.fillRect(QRect(x, r.y() + 3, sw, sw), c);
    p.setPen(palette().text().color());
    const int w = p.fontMetrics().horizontalAdvance(label);
    p.drawText(QRect(x + sw + 6, r.y(), w + 4, sw + 6), Qt::AlignLeft | Qt::AlignVCenter, label);
    return x + sw + 6 + w + 22;
  };
  int x = r.x();
  x = swatch(x, QColor(230, 40, 40), tr("evidence for the class"));
  x = swatch(x, QColor(40, 40, 230), tr("evidence against"));
  swatch(x, QColor(255, 200, 0), tr("unsigned maps (Grad-CAM, SmoothGrad²): yellow → red = more"));
  p.setPen(palette().placeholderText().color());
  p.drawText(QRect(r.x(), r.y() + sw + 10, r.width(), r.height() - sw - 10),
             Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
             tr("Each map has its own scale: the number at the end of its bar is drawn at full "
                "colour (99th percentile of |value|). del / ins: deletion and insertion AUC of the "
                "class's probability (lower del, higher ins = more faithful). gap: Integrated "
                "Gradients' completeness gap, sum of attributions minus (f(x) - f(baseline)). "
                "Hover a map to read its values."));
}

void AttributionView::mouseMoveEvent(QMouseEvent* event) {
  const QPoint pos = event->position().toPoint();
  for (int row = 0; row < rows(); ++row)
    for (int c = -1; c < columns(); ++c) {
      const QRect r = tileRect(row, c);
      if (!r.contains(pos) || m_image.isNull()) continue;
      const int px = (pos.x() - r.x()) * m_image.width() / r.width();
      const int py = (pos.y() - r.y()) * m_image.height() / r.height();
      setHover(row, c, px, py);
      return;
    }
  setHover(-1, -1, -1, -1);
}

void AttributionView::leaveEvent(QEvent* event) {
  QWidget::leaveEvent(event);
  setHover(-1, -1, -1, -1);
}

void AttributionView::setHover(int row, int column, int px, int py) {
  QString text;
  if (row >= 0 && px >= 0) {
    if (column < 0) {
      text = tr("Image · pixel (%1, %2): %3").arg(px).arg(py).arg(qGray(m_image.pixel(px, py)));
    } else if (const AttributionMap* m = mapAt(row, column); m && m->error.isEmpty()) {
      const double v = m->saliency[static_cast<size_t>(py * m->width + px)];
      text = tr("%1 · %2 · pixel (%3, %4): %5")
                 .arg(m->title, m_rowLabels.value(row).section(QLatin1Char('\n'), 0, 0))
                 .arg(px)
                 .arg(py)
                 .arg(QString::asprintf("%+.4g", v));
    }
  } else {
    px = py = -1;
  }
  const bool moved = px != m_hoverX || py != m_hoverY;
  m_hoverX = px;
  m_hoverY = py;
  if (moved) update();
  if (text != m_hoverText) {
    m_hoverText = text;
    setToolTip(text);
    emit hoverChanged(text);
  }
}

void AttributionView::renderInto(QImage& image, qreal scale) const {
  image.setDevicePixelRatio(scale);
  const_cast<AttributionView*>(this)->render(&image);
}

}  // namespace loom::studio
