#include "widgets/canvas/graph_items.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <algorithm>
#include <cmath>

namespace loom::studio {

namespace {

bool g_syncing = false;
double g_snapGrid = 10;

const QColor kErrorColor(214, 48, 49);

QFont smallFont(double points, bool bold = false) {
  QFont f;
  f.setPointSizeF(points);
  f.setBold(bold);
  return f;
}

const QFont& nameFont() {
  static const QFont f = smallFont(9, true);
  return f;
}
const QFont& opFont() {
  static const QFont f = smallFont(8);
  return f;
}
const QFont& tinyFont() {
  static const QFont f = smallFont(6.5);
  return f;
}

QPalette paletteOf(const QGraphicsItem* item) {
  return item->scene() ? item->scene()->palette() : QPalette();
}

/// `c` with alpha `a` (0..1).
QColor faded(QColor c, double a) {
  c.setAlphaF(a);
  return c;
}

}  // namespace

QColor cardErrorColor() {
  return kErrorColor;
}

QColor frozenCardColor() {
  return {120, 190, 235};
}

QColor categoryColor(const std::string& category) {
  // Mid-saturation hues that read on both light and dark card backgrounds.
  if (category == "Input") return {38, 166, 154};
  if (category == "Core") return {66, 133, 244};
  if (category == "Convolution") return {103, 80, 164};
  if (category == "Pooling") return {0, 151, 167};
  if (category == "Normalization") return {240, 160, 40};
  if (category == "Activation") return {76, 175, 80};
  if (category == "Shape") return {120, 144, 156};
  if (category == "Merge") return {194, 24, 91};
  if (category == "Regularization") return {141, 110, 99};
  return {150, 150, 150};
}

QString compactCount(std::int64_t n) {
  const double v = static_cast<double>(n);
  if (n < 1000) return QString::number(n);
  if (n < 1000000) return QString::number(v / 1e3, 'f', v < 1e4 ? 1 : 0) + "k";
  if (n < 1000000000) return QString::number(v / 1e6, 'f', v < 1e7 ? 1 : 0) + "M";
  return QString::number(v / 1e9, 'f', 1) + "G";
}

QString dimsText(const Dims& dims) {
  QStringList parts;
  for (auto d : dims) parts << QString::number(d);
  return parts.join(QChar(0x00D7));
}

// ---- NodeItem ----------------------------------------------------------------------------------

void NodeItem::setSyncing(bool syncing) {
  g_syncing = syncing;
}
void NodeItem::setSnapGrid(double grid) {
  g_snapGrid = grid;
}

NodeItem::NodeItem(const Node& node) {
  setFlags(ItemIsSelectable | ItemIsMovable | ItemSendsGeometryChanges);
  setAcceptHoverEvents(false);
  setZValue(1);
  setNode(node);
}

void NodeItem::setNode(const Node& node) {
  const bool shapeChanged = node.op != m_node.op || node.inputs.size() != m_node.inputs.size();
  if (shapeChanged || node.name != m_node.name) prepareGeometryChange();
  m_node = node;
  m_name = QString::fromStdString(node.name);
  m_op = QString::fromStdString(node.op);
  const Op* op = OpRegistry::global().find(node.op);
  m_schema = op ? &op->schema() : nullptr;
  m_color = categoryColor(m_schema ? m_schema->category : std::string());
  if (!m_schema) {
    m_valid = false;
    m_error = QStringLiteral("unknown op \"%1\"").arg(m_op);
    setToolTip(m_error);
  }
  g_syncing = true;
  setPos(node.x, node.y);
  g_syncing = false;
  update();
}

bool NodeItem::setAnalysis(const NodeAnalysis* na) {
  bool valid = true;
  QString error, info, shape;
  if (!m_schema) {
    valid = false;
    error = QStringLiteral("unknown op \"%1\"").arg(m_op);
  } else if (na) {
    valid = na->status.isOk();
    if (!valid) {
      error = QString::fromStdString(na->status.message());
    } else {
      shape = dimsText(na->shape.output);
      info = na->cost.params > 0 ? compactCount(na->cost.params) + " params" : QString();
      if (na->cost.flops > 0)
        info += (info.isEmpty() ? "" : " \u00B7 ") + compactCount(na->cost.flops) + " FLOP";
      if (info.isEmpty()) info = shape;
    }
  }
  if (valid == m_valid && error == m_error && info == m_info && shape == m_shapeText) return false;
  m_valid = valid;
  m_error = error;
  m_info = info;
  m_shapeText = shape;
  setToolTip(valid ? QStringLiteral("%1 (%2)\noutput %3").arg(m_name, m_op, shape) : error);
  update();
  return true;
}

int NodeItem::inputPortCount() const {
  if (!m_schema) return static_cast<int>(m_node.inputs.size()) + 1;
  if (m_schema->maxInputs < 0)
    return std::max(m_schema->minInputs, static_cast<int>(m_node.inputs.size()) + 1);
  return m_schema->maxInputs;
}

QPointF NodeItem::inputPortPos(int port) const {
  const int n = std::max(inputPortCount(), 1);
  return {kNodeWidth * (port + 1) / (n + 1), 0};
}

int NodeItem::defaultInputPort() const {
  const int used = static_cast<int>(m_node.inputs.size());
  return used < inputPortCount() ? used : 0;
}

std::optional<NodeItem::Port> NodeItem::portAt(QPointF p) const {
  const double r2 = (kPortRadius + 4) * (kPortRadius + 4);
  auto near = [&](QPointF q) { return QPointF::dotProduct(p - q, p - q) <= r2; };
  if (near(outputPortPos())) return Port{true, 0};
  for (int i = 0; i < inputPortCount(); ++i)
    if (near(inputPortPos(i))) return Port{false, i};
  return std::nullopt;
}

QString NodeItem::portLabel(int port) const {
  if (m_schema && m_schema->maxInputs < 0 && port == static_cast<int>(m_node.inputs.size()))
    return QStringLiteral("+");
  if (m_schema && m_schema->maxInputs >= 0 && port < static_cast<int>(m_schema->inputNames.size()))
    return QString::fromStdString(m_schema->inputNames[static_cast<size_t>(port)]);
  return QString::number(port);
}

namespace {
constexpr double kBadgeGap = 10, kBadgeWidth = 176, kBadgeHeight = 46;
QRectF badgeRect() {
  return {kNodeWidth + kBadgeGap, (kNodeHeight - kBadgeHeight) / 2, kBadgeWidth, kBadgeHeight};
}

QString shortNumber(double v) {
  const double a = std::abs(v);
  if (!std::isfinite(v)) return QString::number(v);
  if (a != 0 && (a < 1e-2 || a >= 1e4)) return QString::number(v, 'e', 1);
  return QString::number(v, 'f', a < 1 ? 3 : 2);
}
}  // namespace

QRectF NodeItem::boundingRect() const {
  const double m = kPortRadius + 2;
  QRectF r(-m, -m, kNodeWidth + 2 * m, kNodeHeight + 2 * m);
  if (m_live || !m_fault.isEmpty()) r = r.united(badgeRect().adjusted(-2, -2, 2, 2));
  return r;
}

void NodeItem::setLiveStats(const std::optional<LiveStats>& stats) {
  if (stats.has_value() != m_live.has_value()) prepareGeometryChange();
  m_live = stats;
  update();
}

void NodeItem::setFault(const QString& message) {
  if (message.isEmpty() != m_fault.isEmpty()) prepareGeometryChange();
  m_fault = message;
  setToolTip(message);
  update();
}

QPainterPath NodeItem::shape() const {
  QPainterPath p;
  p.addRect(boundingRect());
  return p;
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  const QPalette pal = paletteOf(this);
  const QRectF card(0, 0, kNodeWidth, kNodeHeight);
  const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
  const bool faulty = !m_fault.isEmpty() || (m_live && m_live->nonFinite);
  const QColor outline = !m_valid || faulty ? kErrorColor
                         : isSelected()     ? pal.color(QPalette::Highlight)
                                            : pal.color(QPalette::Mid);
  if (lod < kDetailThreshold) {
    // Far away: a coloured block, no text, no ports; outline only when it says something.
    painter->fillRect(card, m_frozen ? frozenCardColor() : m_color);
    if (!m_valid || isSelected())
      painter->fillRect(QRectF(0, kNodeHeight - 14, kNodeWidth, 14), outline);
    return;
  }
  const double width = faulty ? 3.0 : (!m_valid || isSelected()) ? 2.0 : 1.0;
  painter->setPen(QPen(outline, width));
  painter->setBrush(pal.color(QPalette::Base));
  painter->drawRoundedRect(card, 7, 7);
  // Category strip on the left, clipped to the rounded card.
  QPainterPath clip;
  clip.addRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), 7, 7);
  painter->save();
  painter->setClipPath(clip);
  painter->fillRect(QRectF(0, 0, 7, kNodeHeight), m_color);
  painter->restore();

  const QColor text = pal.color(QPalette::Text);
  const QColor faint = faded(text, 0.6);
  const double left = 14, textWidth = kNodeWidth - left - 8;
  const int nIn = inputPortCount();
  if (lod >= 0.8 && nIn > 0) {
    painter->setFont(tinyFont());
    painter->setPen(faded(text, 0.5));
    for (int i = 0; i < nIn; ++i) {
      const QPointF p = inputPortPos(i);
      painter->drawText(QRectF(p.x() - 30, 6, 60, 10), Qt::AlignHCenter | Qt::AlignTop,
                        portLabel(i));
    }
  }
  painter->setFont(nameFont());
  painter->setPen(text);
  QFontMetricsF nameMetrics(nameFont());
  painter->drawText(QRectF(left, 16, textWidth, 16), Qt::AlignLeft | Qt::AlignVCenter,
                    nameMetrics.elidedText(m_name, Qt::ElideRight, textWidth));
  if (lod < kTextThreshold) {
    // Mid distance: the name is all one can read; ports as plain dots.
    painter->setPen(Qt::NoPen);
    painter->setBrush(pal.color(QPalette::Text));
    for (int i = 0; i < nIn; ++i) painter->drawEllipse(inputPortPos(i), kPortRadius, kPortRadius);
    painter->setBrush(m_color);
    painter->drawEllipse(outputPortPos(), kPortRadius, kPortRadius);
    if (m_frozen) paintFrost(painter, card);
    return;
  }
  painter->setFont(opFont());
  painter->setPen(faint);
  painter->drawText(QRectF(left, 31, textWidth, 14), Qt::AlignLeft | Qt::AlignVCenter, m_op);
  if (!m_valid) {
    painter->setPen(kErrorColor);
    painter->drawText(QRectF(left, 45, textWidth, 14), Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetricsF(opFont()).elidedText(m_error, Qt::ElideRight, textWidth));
  } else if (!m_info.isEmpty()) {
    painter->drawText(QRectF(left, 45, textWidth, 14), Qt::AlignLeft | Qt::AlignVCenter, m_info);
  }

  // Ports: filled when connected, hollow when free.
  painter->setPen(QPen(pal.color(QPalette::Text), 1));
  for (int i = 0; i < nIn; ++i) {
    const bool used = i < static_cast<int>(m_node.inputs.size());
    painter->setBrush(used ? pal.color(QPalette::Text) : pal.color(QPalette::Base));
    painter->drawEllipse(inputPortPos(i), kPortRadius, kPortRadius);
  }
  painter->setBrush(m_color);
  painter->drawEllipse(outputPortPos(), kPortRadius, kPortRadius);
  if (m_frozen) paintFrost(painter, card);
  if (m_live || faulty) paintBadge(painter, pal, faulty);
}

bool NodeItem::setFrozen(bool frozen) {
  if (frozen == m_frozen) return false;
  m_frozen = frozen;
  update();
  return true;
}

void NodeItem::paintFrost(QPainter* painter, const QRectF& card) const {
  // Ice blue over the card, whatever the theme: frozen nodes read as one block of the graph.
  const QColor ice = frozenCardColor();
  painter->save();
  painter->setPen(QPen(ice.darker(115), 1.5, Qt::DashLine));
  painter->setBrush(QColor(ice.red(), ice.green(), ice.blue(), 70));
  painter->drawRoundedRect(card.adjusted(1, 1, -1, -1), 7, 7);
  // The snowflake badge in the top-right corner.
  const QRectF badge(kNodeWidth - 24, 4, 20, 20);
  painter->setPen(Qt::NoPen);
  painter->setBrush(ice.darker(120));
  painter->drawEllipse(badge);
  painter->setPen(Qt::white);
  QFont f = painter->font();
  f.setPixelSize(14);
  painter->setFont(f);
  painter->drawText(badge, Qt::AlignCenter, QStringLiteral("\u2744"));
  painter->restore();
}

void NodeItem::paintBadge(QPainter* painter, const QPalette& pal, bool faulty) const {
  const QRectF badge = badgeRect();
  const QColor text = pal.color(QPalette::Text);
  painter->setPen(QPen(faulty ? kErrorColor : faded(text, 0.25), faulty ? 1.5 : 1));
  QColor fill = faulty ? QColor(kErrorColor.red(), kErrorColor.green(), kErrorColor.blue(), 28)
                       : pal.color(QPalette::AlternateBase);
  painter->setBrush(fill);
  painter->drawRoundedRect(badge, 6, 6);
  // A short tick connecting badge and card.
  painter->drawLine(QPointF(kNodeWidth, kNodeHeight / 2), QPointF(badge.left(), kNodeHeight / 2));
  const QRectF inner = badge.adjusted(8, 4, -8, -4);
  painter->setFont(tinyFont());
  const QFontMetricsF fm(tinyFont());
  QString line1, line2;
  if (!m_fault.isEmpty()) {
    line1 = QStringLiteral("NaN/Inf — run stopped here");
    line2 = m_fault;
  } else {
    const LiveStats& s = *m_live;
    line1 = QStringLiteral("μ %1   σ %2").arg(shortNumber(s.mean), shortNumber(s.std));
    if (s.showZeros) line1 += QStringLiteral("   dead %1%").arg(100 * s.zeroFraction, 0, 'f', 0);
    line2 = s.hasGradient ? QStringLiteral("‖∇‖ %1").arg(shortNumber(s.gradNorm))
                          : QStringLiteral("no gradient");
    if (s.nonFinite) line2 += QStringLiteral("   NaN/Inf!");
  }
  painter->setPen(faulty ? kErrorColor : text);
  painter->drawText(QRectF(inner.left(), inner.top(), inner.width(), inner.height() / 2),
                    Qt::AlignLeft | Qt::AlignVCenter,
                    fm.elidedText(line1, Qt::ElideRight, inner.width()));
  painter->setPen(faulty ? kErrorColor : faded(text, 0.7));
  painter->drawText(QRectF(inner.left(), inner.center().y(), inner.width(), inner.height() / 2),
                    Qt::AlignLeft | Qt::AlignVCenter,
                    fm.elidedText(line2, Qt::ElideRight, inner.width()));
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
  if (change == ItemPositionChange && !g_syncing && g_snapGrid > 0) {
    const QPointF p = value.toPointF();
    return QPointF(std::round(p.x() / g_snapGrid) * g_snapGrid,
                   std::round(p.y() / g_snapGrid) * g_snapGrid);
  }
  if (change == ItemPositionHasChanged) {
    for (EdgeItem* e : m_in)
      if (e) e->adjust();
    for (EdgeItem* e : m_out) e->adjust();
  }
  return QGraphicsItem::itemChange(change, value);
}

// ---- EdgeItem ----------------------------------------------------------------------------------

EdgeItem::EdgeItem(NodeItem* from, NodeItem* to, int port) : m_from(from), m_to(to), m_port(port) {
  setFlags(ItemIsSelectable);
  setZValue(0);
  adjust();
}

QPainterPath EdgeItem::shape() const {
  if (m_hitShape.isEmpty()) {
    QPainterPathStroker stroker;
    stroker.setWidth(8);
    m_hitShape = stroker.createStroke(m_path);
  }
  return m_hitShape;
}

void EdgeItem::adjust() {
  prepareGeometryChange();
  const QPointF a = m_from->pos() + m_from->outputPortPos();
  const QPointF b = m_to->pos() + m_to->inputPortPos(m_port);
  const double dy = std::max(40.0, std::abs(b.y() - a.y()) / 2);
  m_path = QPainterPath(a);
  m_path.cubicTo(a + QPointF(0, dy), b - QPointF(0, dy), b);
  m_hitShape = QPainterPath();
  // Every edge out of a node carries the same shape: with fan-out only the first edge shows
  // it, just below the output port, so labels never pile up.
  const QString& label = m_from->outputShapeText();
  const auto& siblings = m_from->outEdges();
  const bool fanOut = siblings.size() > 1;
  const bool primary = siblings.isEmpty() || siblings.front() == this;
  if (label.isEmpty() || !primary) {
    m_labelRect = QRectF();
  } else {
    const QFontMetricsF fm(tinyFont());
    const double w = fm.horizontalAdvance(label) + 8, h = fm.height() + 2;
    const QPointF mid =
        fanOut ? a + QPointF(0, h / 2 + kPortRadius + 2) : m_path.pointAtPercent(0.5);
    m_labelRect = QRectF(mid.x() - w / 2, mid.y() - h / 2, w, h);
  }
  m_bounds = m_path.boundingRect().adjusted(-6, -6, 6, 6).united(m_labelRect);
  setToolTip(label.isEmpty()
                 ? QStringLiteral("%1 \u2192 %2").arg(m_from->name(), m_to->name())
                 : QStringLiteral("%1 \u2192 %2: %3").arg(m_from->name(), m_to->name(), label));
}

void EdgeItem::setGradientLevel(double level) {
  if (level == m_gradient) return;
  m_gradient = level;
  update();
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  const QPalette pal = paletteOf(this);
  const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
  QColor color =
      isSelected() ? pal.color(QPalette::Highlight) : faded(pal.color(QPalette::Text), 0.55);
  double penWidth = isSelected() ? 2.5 : 1.5;
  if (m_gradient >= 0 && !isSelected()) {
    // Pale yellow (small gradients) through orange to deep red (the largest).
    const double t = std::clamp(m_gradient, 0.0, 1.0);
    color = QColor::fromHsvF(0.16 * (1 - t), 0.45 + 0.5 * t, 0.95 - 0.25 * t);
    penWidth = 1.5 + 2.5 * t;
  }
  QPen pen(color, penWidth);
  pen.setCosmetic(true);
  painter->setPen(pen);
  painter->setBrush(Qt::NoBrush);
  if (lod < kDetailThreshold) {
    painter->drawLine(m_path.elementAt(0), m_path.currentPosition());
    return;
  }
  painter->drawPath(m_path);
  // Arrow head into the port.
  const QPointF tip = m_path.currentPosition();
  QPolygonF head({tip, tip + QPointF(-4, -8), tip + QPointF(4, -8)});
  painter->setBrush(color);
  painter->drawPolygon(head);
  if (!m_labelRect.isNull() && lod >= 0.6 && !m_from->outputShapeText().isEmpty()) {
    painter->setPen(QPen(faded(pal.color(QPalette::Text), 0.25), 0));
    painter->setBrush(pal.color(QPalette::Base));
    painter->drawRoundedRect(m_labelRect, 4, 4);
    painter->setFont(tinyFont());
    painter->setPen(pal.color(QPalette::Text));
    painter->drawText(m_labelRect, Qt::AlignCenter, m_from->outputShapeText());
  }
}

}  // namespace loom::studio
