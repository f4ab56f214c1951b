// PointView: the Embeddings mode's 2-D / 3-D scatter view, drawn with OpenGL so a million points
// stay interactive (one glDrawArrays of GL_POINTS over vertex buffers; Mesa's llvmpipe under
// Xvfb, any GL 3.3 core driver elsewhere).
//
// What it draws. Every point is a round dot in its colour (setColors()), or, when zoomed in far
// enough that the thumbnails would not overlap much (SpriteMode::Auto: the points inside the
// view times spritePixels()^2 cover at most half the widget), its thumbnail from the sprite
// sheet with a border in its colour. Positions are world coordinates (view_camera.h) of two
// frames A and B mixed by t in the vertex shader, so moving the checkpoint slider between two
// frames costs no upload. Flags per point: selected (larger, outlined), dimmed (does not match
// the search: grey and faint), hidden (isolate selection: not drawn). The picked point and its
// neighbours get rings, drawn with QPainter over the GL frame, as is the lasso.
//
// Gestures. Left-drag pans (2-D) or orbits (3-D); right- or middle-drag pans; the wheel zooms
// about the cursor; double-click resets the camera. With the Lasso tool, or Shift held, a
// left-drag draws a lasso: on release the points drawn inside the polygon (even-odd rule, their
// pixel positions by ViewCamera::toPixel) become the selection (Ctrl adds to it). A left click
// without a drag picks the nearest drawn point within 12 pixels (pointClicked, -1 for none).
//
// Data ownership: the view copies what it is given (positions are shared, never written).
//
// The OpenGL canvas. PointView is a plain QWidget: it draws the points with its own OpenGL 3.3
// context into an offscreen framebuffer object, reads the frame back into a QImage, paints the
// overlay (rings, lasso) into that image and shows it with QPainter. Why not a QOpenGLWidget:
// one in a window switches the whole window to OpenGL composition, so that every repaint of any
// widget in it (a label, a dock) uploads the window's backing store as a texture, draws the
// whole window and swaps it. On a software renderer (Mesa's llvmpipe under Xvfb) that cost
// 10 ms for a small change and 75-92 ms for a large one, and opening a projector stalled the
// GUI for 190-200 ms in two such flushes, while PointView's own drawing took 0.2 ms
// (docs/embeddings.md, "GUI stalls"). Reading the frame back costs one copy of the view's
// pixels per drawn frame and keeps the window on Qt's raster path. The context is made the
// first time the view is shown, and only where an OpenGL 3.3 context can be made (not on the
// offscreen platform); until then, and for good without OpenGL, the view paints a note saying
// why it is blank, and everything but drawing still works (setters, picking, lasso,
// selection).
#pragma once

#include <QImage>
#include <QOpenGLExtraFunctions>
#include <QPolygonF>
#include <QWidget>
#include <cstdint>
#include <memory>
#include <vector>

#include "widgets/modes/embeddings/view_camera.h"

class QOffscreenSurface;
class QOpenGLContext;
class QOpenGLFramebufferObject;
class QOpenGLShaderProgram;
class QOpenGLVertexArrayObject;

namespace loom::studio {

class PointView : public QWidget, protected QOpenGLExtraFunctions {
  Q_OBJECT

 public:
  using Positions = std::shared_ptr<const std::vector<float>>;  ///< N x 3 world coordinates
  enum class Tool { Navigate, Lasso };
  enum class SpriteMode { Auto, Always, Never };

  explicit PointView(QWidget* parent = nullptr);
  ~PointView() override;

  // ---- data ----
  /// Shows frames `a` and `b` (same N; b may equal a) mixed by `t` in [0, 1]. A new N clears
  /// the selection, search, pick and colours (all points grey-blue until setColors()).
  void setFrames(Positions a, Positions b, double t);
  /// The point's drawn position: a + t (b - a).
  QVector3D position(std::int64_t i) const;
  std::int64_t pointCount() const { return m_points; }
  /// N colours, RGBA bytes (point_style.h); ignored when the count differs.
  void setColors(std::vector<std::uint32_t> rgba);
  /// The sprite sheet: cells of `cellWidth` x `cellHeight` in row-major order, point i in
  /// cell i. A null image turns thumbnails off. Sheets above 4096 pixels are scaled down for
  /// the GPU (cells keep their proportions).
  void setSprite(const QImage& sheet, int cellWidth, int cellHeight);

  // ---- view state ----
  const ViewCamera& camera() const { return m_camera; }
  void setCamera(const ViewCamera& camera);
  /// 3-D orbit camera or 2-D; resets the camera.
  void setThreeD(bool on);
  void setTool(Tool tool) { m_tool = tool; }
  Tool tool() const { return m_tool; }
  void setSpriteMode(SpriteMode mode);
  /// Whether the last frame drew thumbnails.
  bool spritesShown() const { return m_spritesShown; }
  /// A thumbnail's side in pixels.
  static constexpr int spritePixels() { return 40; }

  // ---- selection, search, pick ----
  /// 1 per selected point (N entries, or empty for none).
  void setSelection(std::vector<std::uint8_t> selected);
  const std::vector<std::uint8_t>& selection() const { return m_selected; }
  std::int64_t selectedCount() const { return m_selectedCount; }
  /// Search result: 1 per matching point; empty means no search (nothing dimmed).
  void setMatches(std::vector<std::uint8_t> matches);
  /// Isolate selection: only selected points are drawn and can be picked (no effect while
  /// nothing is selected).
  void setIsolated(bool on);
  bool isolated() const { return m_isolated; }
  /// Whether point i is drawn (not hidden by isolation).
  bool isShown(std::int64_t i) const;
  /// Rings on `picked` (-1 none) and its `neighbors`.
  void setPicked(std::int64_t picked, std::vector<std::int64_t> neighbors);
  std::int64_t picked() const { return m_picked; }

  /// The shown point nearest to `pixel` within 12 pixels, or -1.
  std::int64_t pickAt(QPointF pixel) const;
  /// Points shown whose pixel positions lie inside `polygon` (even-odd), as a 0/1 mask.
  std::vector<std::uint8_t> pointsInside(const QPolygonF& polygon) const;

  /// The GL renderer string ("llvmpipe (LLVM 15.0.6, 256 bits)"), empty before the view's
  /// context exists (it is made on the first show).
  QString renderer() const { return m_renderer; }
  /// Why nothing is drawn: empty while drawing works or has not been tried yet; otherwise
  /// the reason shown in the view ("OpenGL 3.3 is not available on the offscreen platform").
  QString unavailableReason() const { return m_unavailable; }
  /// Draws one frame into the offscreen framebuffer now and waits for the GPU (glFinish),
  /// without reading it back; returns the milliseconds taken, or -1 without a context. For the
  /// benchmark.
  double drawAndWait();
  /// The OpenGL context that draws the points (offscreen): null until the view is first
  /// shown, and for good without OpenGL.
  QOpenGLContext* canvas() const;
  /// The current frame as an image at device pixels, rings and lasso included (what Export
  /// PNG writes); drawn now if the view changed since the last one; null without a context.
  QImage grabFramebuffer();

 signals:
  void pointClicked(std::int64_t index);
  /// The selection changed by a lasso (or setSelection()); `count` points are selected.
  void selectionChanged(std::int64_t count);
  void cameraChanged();
  /// A frame was painted onto the widget (for frame timing).
  void frameShown();

 protected:
  void showEvent(QShowEvent* event) override;
  void paintEvent(QPaintEvent* event) override;  // the frame, or the note without a context
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;

 private:
  /// Creates the context if OpenGL can be had here; else sets m_unavailable.
  void createContext();
  /// Marks the frame out of date and schedules a repaint.
  void redraw();
  void initializeGL();  // the context current
  /// Mesa's llvmpipe compiles the code of a kind of draw (vertex layout, blend state, bound
  /// texture) the first time it runs: 15-25 ms on the GUI thread, which the first frame of a
  /// projector paid. Drawing one point as a dot and as a thumbnail at idle after the first
  /// show, before any data, has that compiled by then. Pass 0 allocates the framebuffer, pass 1
  /// the frame's image, pass 2 draws a dot, pass 3 a thumbnail; each schedules the next.
  void warmUp(int pass);
  /// Draws one point at the origin as `mode` says, then leaves the data as it was (none).
  void drawWarmUpPoint(SpriteMode mode);
  /// Draws the points into m_frame (GL, read back) and the overlay over them.
  void renderFrame();
  /// Makes the context current with the framebuffer object bound (at least `pixels`, grown
  /// as needed) and the viewport set to `pixels`.
  void bindFramebuffer(QSize pixels);
  /// Reads the bound framebuffer's `pixels` into m_frame's top-left corner (m_frameSize).
  void readFrame(QSize pixels);
  void paintGL();  // the context current, the framebuffer bound
  enum Flag : std::uint8_t { Selected = 1, Dimmed = 2, Hidden = 4 };
  void rebuildFlags();
  void uploadAll();
  void uploadSprite();
  bool decideSprites(const QMatrix4x4& mvp) const;
  void drawOverlay(QPaintDevice* canvas, const QMatrix4x4& mvp);
  float dotPixels() const;

  std::int64_t m_points = 0;
  Positions m_a, m_b;
  double m_t = 0;
  std::vector<std::uint32_t> m_colors;
  std::vector<std::uint8_t> m_selected, m_matches, m_flags;
  std::int64_t m_selectedCount = 0;
  bool m_isolated = false;
  std::int64_t m_picked = -1;
  std::vector<std::int64_t> m_neighbors;
  QImage m_sprite;  // as given
  int m_cellW = 0, m_cellH = 0;
  ViewCamera m_camera;
  Tool m_tool = Tool::Navigate;
  SpriteMode m_spriteMode = SpriteMode::Auto;
  mutable bool m_spritesShown = false;

  // gestures
  QPointF m_pressPos, m_lastPos;
  Qt::MouseButton m_dragButton = Qt::NoButton;
  bool m_lassoing = false, m_dragged = false;
  QPolygonF m_lasso;

  // GL state (valid after initializeGL; m_glReady false without a context)
  std::unique_ptr<QOpenGLContext> m_context;
  std::unique_ptr<QOffscreenSurface> m_surface;
  std::unique_ptr<QOpenGLFramebufferObject> m_fbo;
  QImage m_frame;            // the last frame, overlay included, in its top-left m_frameSize
  QSize m_frameSize;         // device pixels
  bool m_frameDirty = true;  // the view changed since m_frame was drawn
  QString m_unavailable;
  bool m_glReady = false;
  bool m_dirtyPositions = true, m_dirtyColors = true, m_dirtyFlags = true, m_dirtySprite = true;
  QOpenGLShaderProgram* m_program = nullptr;
  QOpenGLVertexArrayObject* m_vao = nullptr;
  unsigned m_buffers[4] = {0, 0, 0, 0};  // posA, posB, colour, flags
  unsigned m_texture = 0;
  QString m_renderer;
  const std::vector<float>* m_uploadedA = nullptr;
  const std::vector<float>* m_uploadedB = nullptr;
};

}  // namespace loom::studio
