// ViewCamera: how the point view maps layout coordinates to pixels, as plain math (no GL), so
// picking, the lasso, the sprite decision and the tests all use the exact transform the GPU
// draws with.
//
// Coordinates. The view draws points in "world" coordinates: a layout normalised by
// normalizeLayouts() (embedding_set.h) into [-1, 1] on its longest axis, z = 0 for 2-D layouts.
// Pixels are widget pixels (logical, origin top-left, y down).
//
// 2-D (orthographic): a world point (x, y) lands at
//     px = width / 2 + (x - centerX) * s,   py = height / 2 - (y - centerY) * s,
//     s  = zoom * min(width, height) / 2,
// so at zoom 1 the unit square's half side spans half the shorter widget side. z is ignored.
// 3-D (perspective, 45 degree vertical field of view): the camera orbits `center` at
// `distance`, turned by `yaw` about the world y axis and then `pitch` about the camera's x axis
// (degrees); zoom divides the distance.
//
// Both modes are one 4x4 matrix (mvp()) in OpenGL clip space; toPixel() applies it and the
// viewport mapping px = (ndc.x + 1) / 2 * width, py = (1 - ndc.y) / 2 * height.
#pragma once

#include <QMatrix4x4>
#include <QPointF>
#include <QSize>
#include <QVector3D>
#include <optional>

namespace loom::studio {

struct ViewCamera {
  bool threeD = false;
  QVector3D center;     ///< world point at the widget centre (2-D: z unused)
  double zoom = 0.9;    ///< > 0; larger shows less of the world
  double yaw = 30;      ///< degrees, 3-D only
  double pitch = 20;    ///< degrees, 3-D only, clamped to [-89, 89]
  double distance = 3;  ///< 3-D only: camera distance from `center` at zoom 1

  /// Clip-space matrix for a widget of `size` pixels (the shader's `mvp`).
  QMatrix4x4 mvp(QSize size) const;
  /// Pixel position of world point `p`; nullopt when it lies behind the 3-D camera.
  std::optional<QPointF> toPixel(const QMatrix4x4& mvp, QSize size, const QVector3D& p) const;

  // ---- gestures (the view calls these from mouse and wheel events) ----
  /// Moves the world by a pixel delta (2-D pan; 3-D: pans in the view plane).
  void pan(QPointF pixelDelta, QSize size);
  /// Turns the 3-D orbit by a pixel delta (0.4 degrees per pixel).
  void orbit(QPointF pixelDelta);
  /// Multiplies zoom by `factor`, keeping the world point under `anchor` (pixels) fixed in 2-D.
  void zoomBy(double factor, QPointF anchor, QSize size);
  /// Back to the whole [-1, 1] world in view, same 2-D/3-D choice.
  void reset();
};

}  // namespace loom::studio
