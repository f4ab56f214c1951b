#include "widgets/modes/embeddings/point_view.h"

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QMouseEvent>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLFramebufferObject>
#include <QOpenGLShaderProgram>
#include <QOpenGLVertexArrayObject>
#include <QPainter>
#include <QSurfaceFormat>
#include <QTimer>
#include <QVector2D>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace loom::studio {

namespace {

constexpr double kPickRadius = 12;
constexpr int kMaxTextureSide = 4096;
constexpr int kWarmUpGapMs = 10;  // between the pieces of PointView::warmUp
constexpr std::uint32_t kDefaultColor =
    0xffa7794e;  // #4e79a7: bytes R, G, B, A in memory (little endian)
const QColor kBackground(250, 250, 252);

const char* kVertexShader = R"(#version 330 core
layout(location = 0) in vec3 posA;
layout(location = 1) in vec3 posB;
layout(location = 2) in vec4 color;
layout(location = 3) in uint flags;
uniform mat4 mvp;
uniform float t;
uniform float dotSize;
uniform float spriteSize;
uniform int sprites;
out vec4 vColor;
flat out uint vFlags;
flat out int vIndex;
void main() {
  vFlags = flags;
  vIndex = gl_VertexID;
  vColor = color;
  if ((flags & 4u) != 0u) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); gl_PointSize = 1.0; return; }
  gl_Position = mvp * vec4(mix(posA, posB, t), 1.0);
  float size = sprites == 1 ? spriteSize : dotSize;
  if ((flags & 1u) != 0u && sprites == 0) size += 3.0;
  gl_PointSize = size;
})";

const char* kFragmentShader = R"(#version 330 core
in vec4 vColor;
flat in uint vFlags;
flat in int vIndex;
uniform int sprites;
uniform sampler2D sheet;
uniform int columns;
uniform vec2 cell;  // one cell's size in texture coordinates
out vec4 fragColor;
void main() {
  // The frame is drawn upside down (it reads back top row first): gl_PointCoord.y, 0 at the
  // sprite's top in GL's window, is turned to run from the top of the image as shown.
  vec2 c = vec2(gl_PointCoord.x, 1.0 - gl_PointCoord.y);
  bool dimmed = (vFlags & 2u) != 0u;
  bool selected = (vFlags & 1u) != 0u;
  if (sprites == 1) {
    vec2 cellIndex = vec2(float(vIndex % columns), float(vIndex / columns));
    vec3 image = texture(sheet, (cellIndex + c) * cell).rgb;
    float border = selected ? 0.12 : 0.07;
    bool edge = c.x < border || c.y < border || c.x > 1.0 - border || c.y > 1.0 - border;
    vec3 rgb = edge ? vColor.rgb : image;
    fragColor = vec4(rgb, dimmed ? 0.15 : 1.0);
    return;
  }
  float r = length(c - vec2(0.5)) * 2.0;
  if (r > 1.0) discard;
  float alpha = clamp((1.0 - r) * 3.0, 0.0, 1.0);
  vec3 rgb = dimmed ? vec3(0.72) : vColor.rgb;
  if (selected && r > 0.62) rgb = vec3(0.1);
  fragColor = vec4(rgb, (dimmed ? 0.25 : 0.9) * alpha);
})";

QSurfaceFormat glFormat() {
  QSurfaceFormat format;
  format.setVersion(3, 3);
  format.setProfile(QSurfaceFormat::CoreProfile);
  return format;
}

/// Empty when an OpenGL 3.3 core context can be created and made current here; otherwise
/// why not. Tried once per process, with a throw-away context, before any QOpenGLWidget exists.
QString openGlUnavailableReason() {
  static const QString reason = [] {
    const QString platform = QGuiApplication::platformName();
    auto tr = [](const char* text) { return PointView::tr(text); };
    QOpenGLContext context;
    context.setFormat(glFormat());
    if (!context.create())
      return tr("OpenGL is not available on the \"%1\" display, so the points cannot be "
                "drawn. Selection, search and neighbours still work.")
          .arg(platform);
    QOffscreenSurface surface;
    surface.setFormat(context.format());
    surface.create();
    if (!surface.isValid() || !context.makeCurrent(&surface))
      return tr("An OpenGL context could not be made current on the \"%1\" display, so the "
                "points cannot be drawn.")
          .arg(platform);
    const QSurfaceFormat got = context.format();
    context.doneCurrent();
    if (got.version() < qMakePair(3, 3))
      return tr("The points need OpenGL 3.3; this display offers %1.%2.")
          .arg(got.majorVersion())
          .arg(got.minorVersion());
    return QString();
  }();
  return reason;
}

}  // namespace

PointView::PointView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(200, 150);
  // The frame covers the whole widget: Qt need not fill the background first.
  setAttribute(Qt::WA_OpaquePaintEvent);
  setMouseTracking(false);
  setFocusPolicy(Qt::StrongFocus);
}

PointView::~PointView() {
  if (!m_context || !m_context->makeCurrent(m_surface.get())) return;
  if (m_glReady) {
    glDeleteBuffers(4, m_buffers);
    if (m_texture) glDeleteTextures(1, &m_texture);
  }
  delete m_vao;
  delete m_program;
  m_fbo.reset();  // its GL objects belong to the context
  m_context->doneCurrent();
}

void PointView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (!m_context && m_unavailable.isEmpty()) createContext();
}

void PointView::createContext() {
  m_unavailable = openGlUnavailableReason();
  if (!m_unavailable.isEmpty()) {
    qWarning("PointView: %s", qPrintable(m_unavailable));
    update();
    return;
  }
  m_context = std::make_unique<QOpenGLContext>();
  m_context->setFormat(glFormat());
  m_surface = std::make_unique<QOffscreenSurface>();
  m_surface->setFormat(glFormat());
  m_surface->create();
  if (!m_context->create() || !m_context->makeCurrent(m_surface.get())) {
    m_unavailable = tr("The OpenGL context of the view could not be made current.");
    m_context.reset();
    update();
    return;
  }
  initializeGL();
  m_context->doneCurrent();
  redraw();
  QTimer::singleShot(kWarmUpGapMs, this, [this] { warmUp(0); });
}

void PointView::warmUp(int pass) {
  // Data came first (its frame compiles the code), or nothing to draw into yet.
  if (!m_glReady || m_points > 0 || size().isEmpty()) return;
  const QSize pixels = size() * devicePixelRatioF();
  bindFramebuffer(pixels);           // pass 0: allocates the framebuffer
  if (pass == 1) readFrame(pixels);  // the frame's image (and reads what is shown)
  if (pass >= 2) drawWarmUpPoint(pass == 2 ? SpriteMode::Never : SpriteMode::Always);
  glFinish();
  m_fbo->release();
  m_context->doneCurrent();
  // One piece per event, with a gap, so that input and the rest of the window come between.
  if (pass < 3) QTimer::singleShot(kWarmUpGapMs, this, [this, pass] { warmUp(pass + 1); });
}

void PointView::drawWarmUpPoint(SpriteMode mode) {
  const SpriteMode keptMode = m_spriteMode;
  const QImage keptSheet = m_sprite;
  const int keptW = m_cellW, keptH = m_cellH;
  m_points = 1;
  m_a = m_b = std::make_shared<const std::vector<float>>(3, 0.f);
  m_colors.assign(1, kDefaultColor);
  m_flags.assign(1, 0);
  m_sprite = QImage(3, 3, QImage::Format_RGBA8888);  // not a power of two, as sheets are not
  m_sprite.fill(Qt::gray);
  m_cellW = m_cellH = 3;
  m_spriteMode = mode;
  paintGL();
  m_spriteMode = keptMode;
  m_points = 0;
  m_a.reset();
  m_b.reset();
  m_colors.clear();
  m_flags.clear();
  m_sprite = keptSheet;
  m_cellW = keptW;
  m_cellH = keptH;
  m_uploadedA = m_uploadedB = nullptr;
  m_dirtyPositions = m_dirtyColors = m_dirtyFlags = m_dirtySprite = true;
}

void PointView::redraw() {
  m_frameDirty = true;
  update();
}

void PointView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  m_frameDirty = true;  // Qt repaints a resized widget itself
}

void PointView::paintEvent(QPaintEvent* event) {
  QWidget::paintEvent(event);
  QPainter painter(this);
  if (m_context) {
    if (m_frameDirty) renderFrame();
    if (!m_frameSize.isEmpty())
      painter.drawImage(QRectF(rect()), m_frame, QRectF(QPointF(0, 0), m_frameSize));
    emit frameShown();
    return;
  }
  painter.fillRect(rect(), kBackground);
  if (m_unavailable.isEmpty()) return;  // not shown yet: the context comes with the first show
  painter.setPen(QColor(90, 90, 100));
  painter.drawText(rect().adjusted(40, 40, -40, -40), Qt::AlignCenter | Qt::TextWordWrap,
                   m_unavailable);
}

void PointView::setFrames(Positions a, Positions b, double t) {
  if (!a) return;
  if (!b || b->size() != a->size()) b = a;
  const auto n = std::int64_t(a->size() / 3);
  if (n != m_points) {
    m_points = n;
    m_selected.clear();
    m_selectedCount = 0;
    m_matches.clear();
    m_picked = -1;
    m_neighbors.clear();
    m_colors.assign(std::size_t(n), kDefaultColor);
    m_dirtyColors = true;
    rebuildFlags();
  }
  m_a = std::move(a);
  m_b = std::move(b);
  m_t = std::clamp(t, 0.0, 1.0);
  m_dirtyPositions = true;
  redraw();
}

QVector3D PointView::position(std::int64_t i) const {
  if (i < 0 || i >= m_points) return {};
  const float* a = m_a->data() + i * 3;
  const float* b = m_b->data() + i * 3;
  const auto t = float(m_t);
  return {a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), a[2] + t * (b[2] - a[2])};
}

void PointView::setColors(std::vector<std::uint32_t> rgba) {
  if (std::int64_t(rgba.size()) != m_points) return;
  m_colors = std::move(rgba);
  m_dirtyColors = true;
  redraw();
}

void PointView::setSprite(const QImage& sheet, int cellWidth, int cellHeight) {
  m_sprite = sheet;
  m_cellW = cellWidth;
  m_cellH = cellHeight;
  m_dirtySprite = true;
  redraw();
}

void PointView::setCamera(const ViewCamera& camera) {
  m_camera = camera;
  redraw();
  emit cameraChanged();
}

void PointView::setThreeD(bool on) {
  m_camera = ViewCamera{};
  m_camera.threeD = on;
  redraw();
  emit cameraChanged();
}

void PointView::setSpriteMode(SpriteMode mode) {
  m_spriteMode = mode;
  redraw();
}

void PointView::setSelection(std::vector<std::uint8_t> selected) {
  if (!selected.empty() && std::int64_t(selected.size()) != m_points) return;
  m_selected = std::move(selected);
  m_selectedCount = std::count(m_selected.begin(), m_selected.end(), std::uint8_t(1));
  if (m_selectedCount == 0) m_selected.clear();
  rebuildFlags();
  emit selectionChanged(m_selectedCount);
}

void PointView::setMatches(std::vector<std::uint8_t> matches) {
  if (!matches.empty() && std::int64_t(matches.size()) != m_points) return;
  m_matches = std::move(matches);
  rebuildFlags();
}

void PointView::setIsolated(bool on) {
  m_isolated = on;
  rebuildFlags();
}

bool PointView::isShown(std::int64_t i) const {
  return i >= 0 && i < m_points && !(m_flags[std::size_t(i)] & Hidden);
}

void PointView::setPicked(std::int64_t picked, std::vector<std::int64_t> neighbors) {
  m_picked = picked;
  m_neighbors = std::move(neighbors);
  redraw();
}

void PointView::rebuildFlags() {
  m_flags.assign(std::size_t(m_points), 0);
  const bool isolate = m_isolated && m_selectedCount > 0;
  for (std::size_t i = 0; i < m_flags.size(); ++i) {
    std::uint8_t f = 0;
    if (!m_selected.empty() && m_selected[i]) f |= Selected;
    if (!m_matches.empty() && !m_matches[i]) f |= Dimmed;
    if (isolate && !(f & Selected)) f |= Hidden;
    m_flags[i] = f;
  }
  m_dirtyFlags = true;
  redraw();
}

std::int64_t PointView::pickAt(QPointF pixel) const {
  const QMatrix4x4 m = m_camera.mvp(size());
  std::int64_t best = -1;
  double bestD2 = kPickRadius * kPickRadius;
  for (std::int64_t i = 0; i < m_points; ++i) {
    if (m_flags[std::size_t(i)] & Hidden) continue;
    const auto p = m_camera.toPixel(m, size(), position(i));
    if (!p) continue;
    const double dx = p->x() - pixel.x(), dy = p->y() - pixel.y(), d2 = dx * dx + dy * dy;
    if (d2 < bestD2) bestD2 = d2, best = i;
  }
  return best;
}

std::vector<std::uint8_t> PointView::pointsInside(const QPolygonF& polygon) const {
  std::vector<std::uint8_t> inside(std::size_t(m_points), 0);
  if (polygon.size() < 3) return inside;
  const QRectF box = polygon.boundingRect();
  const QMatrix4x4 m = m_camera.mvp(size());
  for (std::int64_t i = 0; i < m_points; ++i) {
    if (m_flags[std::size_t(i)] & Hidden) continue;
    const auto p = m_camera.toPixel(m, size(), position(i));
    if (p && box.contains(*p) && polygon.containsPoint(*p, Qt::OddEvenFill))
      inside[std::size_t(i)] = 1;
  }
  return inside;
}

float PointView::dotPixels() const {
  // Fewer points, bigger dots; zooming in grows them a little.
  const double base =
      std::clamp(10.5 - 1.4 * std::log10(double(std::max<std::int64_t>(m_points, 1))), 2.0, 8.0);
  return float(std::clamp(base * std::pow(m_camera.zoom / 0.9, 0.3), 2.0, 14.0) *
               devicePixelRatioF());
}

bool PointView::decideSprites(const QMatrix4x4& mvp) const {
  if (m_sprite.isNull() || m_cellW <= 0 || m_spriteMode == SpriteMode::Never) return false;
  if (m_spriteMode == SpriteMode::Always) return true;
  const double budget = 0.5 * width() * height() / double(spritePixels() * spritePixels());
  std::int64_t inView = 0;
  for (std::int64_t i = 0; i < m_points; ++i) {
    if (m_flags[std::size_t(i)] & Hidden) continue;
    const auto p = m_camera.toPixel(mvp, size(), position(i));
    if (p && p->x() >= 0 && p->y() >= 0 && p->x() < width() && p->y() < height())
      if (++inView > budget) return false;
  }
  return true;
}

// ---- GL ----

void PointView::initializeGL() {
  initializeOpenGLFunctions();
  m_renderer = QString::fromLatin1(reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
  m_program = new QOpenGLShaderProgram;
  if (!m_program->addShaderFromSourceCode(QOpenGLShader::Vertex, kVertexShader) ||
      !m_program->addShaderFromSourceCode(QOpenGLShader::Fragment, kFragmentShader) ||
      !m_program->link()) {
    qWarning("PointView: shaders failed: %s", qPrintable(m_program->log()));
    return;
  }
  m_vao = new QOpenGLVertexArrayObject;
  m_vao->create();
  glGenBuffers(4, m_buffers);
  m_glReady = true;
  m_dirtyPositions = m_dirtyColors = m_dirtyFlags = m_dirtySprite = true;
}

void PointView::uploadAll() {
  m_vao->bind();
  const auto n = std::size_t(m_points);
  if (m_dirtyPositions && m_a) {
    // Upload only the frames that changed: moving the slider within two frames uploads nothing.
    if (m_uploadedA != m_a.get()) {
      glBindBuffer(GL_ARRAY_BUFFER, m_buffers[0]);
      glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(n * 3 * sizeof(float)), m_a->data(),
                   GL_DYNAMIC_DRAW);
      glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, 0, nullptr);
      glEnableVertexAttribArray(0);
      m_uploadedA = m_a.get();
    }
    if (m_uploadedB != m_b.get()) {
      glBindBuffer(GL_ARRAY_BUFFER, m_buffers[1]);
      glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(n * 3 * sizeof(float)), m_b->data(),
                   GL_DYNAMIC_DRAW);
      glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 0, nullptr);
      glEnableVertexAttribArray(1);
      m_uploadedB = m_b.get();
    }
  }
  if (m_dirtyColors) {
    glBindBuffer(GL_ARRAY_BUFFER, m_buffers[2]);
    glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(n * 4), m_colors.data(), GL_DYNAMIC_DRAW);
    glVertexAttribPointer(2, 4, GL_UNSIGNED_BYTE, GL_TRUE, 0, nullptr);
    glEnableVertexAttribArray(2);
  }
  if (m_dirtyFlags) {
    glBindBuffer(GL_ARRAY_BUFFER, m_buffers[3]);
    glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(n), m_flags.data(), GL_DYNAMIC_DRAW);
    glVertexAttribIPointer(3, 1, GL_UNSIGNED_BYTE, 0, nullptr);
    glEnableVertexAttribArray(3);
  }
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  m_vao->release();
  m_dirtyPositions = m_dirtyColors = m_dirtyFlags = false;
  if (m_dirtySprite) uploadSprite();
}

void PointView::uploadSprite() {
  m_dirtySprite = false;
  if (m_texture) glDeleteTextures(1, &m_texture);
  m_texture = 0;
  if (m_sprite.isNull()) return;
  QImage sheet = m_sprite;
  if (sheet.width() > kMaxTextureSide || sheet.height() > kMaxTextureSide)
    sheet = sheet.scaled(kMaxTextureSide, kMaxTextureSide, Qt::KeepAspectRatio,
                         Qt::SmoothTransformation);
  sheet = sheet.convertToFormat(QImage::Format_RGBA8888);
  glGenTextures(1, &m_texture);
  glBindTexture(GL_TEXTURE_2D, m_texture);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, sheet.width(), sheet.height(), 0, GL_RGBA,
               GL_UNSIGNED_BYTE, sheet.constBits());
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glBindTexture(GL_TEXTURE_2D, 0);
}

void PointView::renderFrame() {
  const QSize pixels = size() * devicePixelRatioF();
  if (pixels.isEmpty()) return;
  bindFramebuffer(pixels);
  paintGL();
  readFrame(pixels);
  m_fbo->release();
  m_context->doneCurrent();
  m_frameDirty = false;
  drawOverlay(&m_frame, m_camera.mvp(size()));
}

void PointView::bindFramebuffer(QSize pixels) {
  m_context->makeCurrent(m_surface.get());
  // Grown, never shrunk: docks and labels change the view's size by a few pixels at a time
  // (a status line wrapping), and a new framebuffer cost 6-9 ms each time on llvmpipe.
  if (!m_fbo || m_fbo->width() < pixels.width() || m_fbo->height() < pixels.height())
    m_fbo = std::make_unique<QOpenGLFramebufferObject>(
        pixels.expandedTo(m_fbo ? m_fbo->size() : QSize()));
  m_fbo->bind();
  glViewport(0, 0, pixels.width(), pixels.height());
}

void PointView::readFrame(QSize pixels) {
  // Grown, never shrunk, as the framebuffer: a new image costs its page faults (7-12 ms for
  // 736 x 779 px here). RGB32 is the raster engine's own layout, so painting it is a copy.
  if (m_frame.width() < pixels.width() || m_frame.height() < pixels.height())
    m_frame = QImage(pixels.expandedTo(m_frame.size()), QImage::Format_RGB32);
  m_frame.setDevicePixelRatio(devicePixelRatioF());
  m_frameSize = pixels;
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glPixelStorei(GL_PACK_ROW_LENGTH, m_frame.width());
  // GL_BGRA bytes are RGB32's in memory on little-endian machines. The frame is drawn upside
  // down (paintGL), so GL's first row, the bottom one, is the image's top row.
  glReadPixels(0, 0, pixels.width(), pixels.height(), GL_BGRA, GL_UNSIGNED_BYTE, m_frame.bits());
  glPixelStorei(GL_PACK_ROW_LENGTH, 0);
}

void PointView::paintGL() {
  glClearColor(kBackground.redF(), kBackground.greenF(), kBackground.blueF(), 1.f);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  const QMatrix4x4 mvp = m_camera.mvp(size());
  if (m_glReady && m_points > 0 && m_a) {
    uploadAll();
    m_spritesShown = decideSprites(mvp) && m_texture != 0;
    glEnable(GL_PROGRAM_POINT_SIZE);
    glEnable(GL_BLEND);
    // Colour blends over what is drawn; alpha stays 1, so the frame is opaque as it is read
    // back (RGB32). With plain glBlendFunc the framebuffer's alpha drops below 1 under every
    // translucent dot, which showed as dark rims wherever the frame was composited with alpha.
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glDisable(GL_DEPTH_TEST);
    m_program->bind();
    // Upside down, so that the frame reads back top row first (readFrame).
    QMatrix4x4 flip;
    flip.scale(1, -1, 1);
    m_program->setUniformValue("mvp", flip * mvp);
    m_program->setUniformValue("t", float(m_t));
    m_program->setUniformValue("dotSize", dotPixels());
    m_program->setUniformValue("spriteSize", float(spritePixels() * devicePixelRatioF()));
    m_program->setUniformValue("sprites", m_spritesShown ? 1 : 0);
    if (m_spritesShown) {
      glActiveTexture(GL_TEXTURE0);
      glBindTexture(GL_TEXTURE_2D, m_texture);
      const int columns = std::max(1, m_sprite.width() / m_cellW);
      m_program->setUniformValue("sheet", 0);
      m_program->setUniformValue("columns", columns);
      m_program->setUniformValue("cell", QVector2D(float(m_cellW) / float(m_sprite.width()),
                                                   float(m_cellH) / float(m_sprite.height())));
    }
    m_vao->bind();
    glDrawArrays(GL_POINTS, 0, GLsizei(m_points));
    m_vao->release();
    m_program->release();
    glBindTexture(GL_TEXTURE_2D, 0);
  }
}

void PointView::drawOverlay(QPaintDevice* canvas, const QMatrix4x4& mvp) {
  if (m_picked < 0 && m_lasso.isEmpty()) return;
  QPainter painter(canvas);
  painter.setRenderHint(QPainter::Antialiasing);
  const double ring =
      m_spritesShown ? spritePixels() * 0.75 : dotPixels() / devicePixelRatioF() + 5;
  painter.setBrush(Qt::NoBrush);
  painter.setPen(QPen(QColor(230, 120, 20), 2));
  for (std::int64_t n : m_neighbors)
    if (isShown(n))
      if (auto p = m_camera.toPixel(mvp, size(), position(n))) painter.drawEllipse(*p, ring, ring);
  if (isShown(m_picked))
    if (auto p = m_camera.toPixel(mvp, size(), position(m_picked))) {
      painter.setPen(QPen(QColor(20, 20, 20), 3));
      painter.drawEllipse(*p, ring + 3, ring + 3);
    }
  if (!m_lasso.isEmpty()) {
    painter.setPen(QPen(QColor(30, 30, 30), 1.5, Qt::DashLine));
    painter.setBrush(QColor(60, 120, 200, 40));
    painter.drawPolygon(m_lasso);
  }
}

double PointView::drawAndWait() {
  if (!m_context) return -1;
  bindFramebuffer(size() * devicePixelRatioF());
  QElapsedTimer timer;
  timer.start();
  paintGL();
  glFinish();
  const double ms = timer.nsecsElapsed() / 1e6;
  m_fbo->release();
  m_context->doneCurrent();
  m_frameDirty = true;  // drawn, but not read back
  return ms;
}

QOpenGLContext* PointView::canvas() const {
  return m_context.get();
}

QImage PointView::grabFramebuffer() {
  if (!m_context) return QImage();
  if (m_frameDirty) renderFrame();
  QImage frame = m_frame.copy(QRect(QPoint(0, 0), m_frameSize));
  frame.setDevicePixelRatio(devicePixelRatioF());
  return frame;
}

// ---- gestures ----

void PointView::mousePressEvent(QMouseEvent* event) {
  m_pressPos = m_lastPos = event->position();
  m_dragButton = event->button();
  m_dragged = false;
  m_lassoing = event->button() == Qt::LeftButton &&
               (m_tool == Tool::Lasso || (event->modifiers() & Qt::ShiftModifier));
  if (m_lassoing) m_lasso = QPolygonF{m_pressPos};
  event->accept();
}

void PointView::mouseMoveEvent(QMouseEvent* event) {
  const QPointF pos = event->position();
  if (m_dragButton == Qt::NoButton) return;
  if ((pos - m_pressPos).manhattanLength() > 3) m_dragged = true;
  if (m_lassoing) {
    m_lasso << pos;
    redraw();
  } else if (m_dragButton == Qt::LeftButton && m_camera.threeD) {
    m_camera.orbit(pos - m_lastPos);
    redraw();
    emit cameraChanged();
  } else {
    m_camera.pan(pos - m_lastPos, size());
    redraw();
    emit cameraChanged();
  }
  m_lastPos = pos;
}

void PointView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != m_dragButton) return;
  m_dragButton = Qt::NoButton;
  if (m_lassoing) {
    m_lassoing = false;
    m_lasso << event->position();
    if (m_dragged && m_lasso.size() >= 3) {
      std::vector<std::uint8_t> inside = pointsInside(m_lasso);
      if ((event->modifiers() & Qt::ControlModifier) && !m_selected.empty())
        for (std::size_t i = 0; i < inside.size(); ++i) inside[i] |= m_selected[i];
      m_lasso.clear();
      setSelection(std::move(inside));
      return;
    }
    m_lasso.clear();
    redraw();
  }
  if (!m_dragged && event->button() == Qt::LeftButton) emit pointClicked(pickAt(event->position()));
}

void PointView::mouseDoubleClickEvent(QMouseEvent* event) {
  m_camera.reset();
  redraw();
  emit cameraChanged();
  event->accept();
}

void PointView::wheelEvent(QWheelEvent* event) {
  const double steps = event->angleDelta().y() / 120.0;
  if (steps == 0) return;
  m_camera.zoomBy(std::pow(1.2, steps), event->position(), size());
  redraw();
  emit cameraChanged();
}

}  // namespace loom::studio
