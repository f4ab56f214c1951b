#include "widgets/modes/embeddings/view_camera.h"

#include <QVector4D>
#include <algorithm>
#include <cmath>

namespace loom::studio {

namespace {
constexpr double kFovDegrees = 45;
constexpr double kOrbitDegreesPerPixel = 0.4;
}  // namespace

QMatrix4x4 ViewCamera::mvp(QSize size) const {
  const double w = std::max(1, size.width()), h = std::max(1, size.height());
  QMatrix4x4 m;
  if (!threeD) {
    const double s = zoom * std::min(w, h) / 2;
    const double halfW = w / 2 / s, halfH = h / 2 / s;
    m.ortho(float(center.x() - halfW), float(center.x() + halfW), float(center.y() - halfH),
            float(center.y() + halfH), -10.f, 10.f);
    return m;
  }
  const double dist = distance / zoom;
  m.perspective(float(kFovDegrees), float(w / h), float(dist * 0.01), float(dist + 10));
  m.translate(0, 0, float(-dist));
  m.rotate(float(pitch), 1, 0, 0);
  m.rotate(float(yaw), 0, 1, 0);
  m.translate(-center);
  return m;
}

std::optional<QPointF> ViewCamera::toPixel(const QMatrix4x4& m, QSize size,
                                           const QVector3D& p) const {
  const QVector4D c = m * QVector4D(p, 1.f);
  if (c.w() <= 1e-6f) return std::nullopt;
  const double x = c.x() / c.w(), y = c.y() / c.w();
  return QPointF((x + 1) / 2 * size.width(), (1 - y) / 2 * size.height());
}

void ViewCamera::pan(QPointF d, QSize size) {
  const double w = std::max(1, size.width()), h = std::max(1, size.height());
  if (!threeD) {
    const double s = zoom * std::min(w, h) / 2;
    center -= QVector3D(float(d.x() / s), float(-d.y() / s), 0);
    return;
  }
  // World units per pixel at the orbit centre's depth, along the camera's right and up axes.
  QMatrix4x4 rot;
  rot.rotate(float(pitch), 1, 0, 0);
  rot.rotate(float(yaw), 0, 1, 0);
  const QMatrix4x4 inv = rot.inverted();
  const double unitsPerPixel =
      2 * (distance / zoom) * std::tan(kFovDegrees / 2 * 3.14159265358979 / 180) / h;
  const QVector3D right = inv.mapVector({1, 0, 0}), up = inv.mapVector({0, 1, 0});
  center -= right * float(d.x() * unitsPerPixel) - up * float(d.y() * unitsPerPixel);
}

void ViewCamera::orbit(QPointF d) {
  yaw += d.x() * kOrbitDegreesPerPixel;
  pitch = std::clamp(pitch + d.y() * kOrbitDegreesPerPixel, -89.0, 89.0);
}

void ViewCamera::zoomBy(double factor, QPointF anchor, QSize size) {
  const double before = zoom;
  zoom = std::clamp(zoom * factor, 0.05, 5000.0);
  if (threeD) return;
  // Keep the world point under the anchor where it is: shift the centre by the change of scale.
  const double w = std::max(1, size.width()), h = std::max(1, size.height());
  const double s0 = before * std::min(w, h) / 2, s1 = zoom * std::min(w, h) / 2;
  const double ax = anchor.x() - w / 2, ay = h / 2 - anchor.y();
  center += QVector3D(float(ax / s0 - ax / s1), float(ay / s0 - ay / s1), 0);
}

void ViewCamera::reset() {
  const bool d3 = threeD;
  *this = ViewCamera{};
  threeD = d3;
}

}  // namespace loom::studio
