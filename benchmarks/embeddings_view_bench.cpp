// loom_bench_embeddings_view: frame time of the Embeddings mode's point view drawing and
// rotating N points (default 1,000,000) in 3-D, and panning them in 2-D (docs/embeddings.md).
// Run under Xvfb with the xcb platform so the view gets a real GL context; the renderer it got
// (Mesa's llvmpipe there: the CPU draws) is printed with the figures:
//   xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb
//       build/release/benchmarks/loom_bench_embeddings_view [--points N] [--frames F]
// (one command line).
// Two figures per view: "draw" is one paintGL plus glFinish (the GPU work of a frame, what a
// faster machine changes); "frame" is update() to PointView::frameShown, i.e. the draw plus
// reading the frame back and painting it into the window.
#include <QApplication>
#include <QElapsedTimer>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "widgets/modes/embeddings/point_style.h"
#include "widgets/modes/embeddings/point_view.h"

using loom::studio::PointView;

namespace {

struct Stats {
  double median = 0, mean = 0, p95 = 0;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stats s;
  s.median = v[v.size() / 2];
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  s.p95 = v[std::min(v.size() - 1, v.size() * 95 / 100)];
  return s;
}
void print(const char* what, const Stats& s) {
  std::printf("%-28s median %7.2f ms  mean %7.2f ms  p95 %7.2f ms  (%.1f fps median)\n", what,
              s.median, s.mean, s.p95, 1000 / s.median);
}

// Frames from update() to frameShown, `frames` times, with `step` changing the view first.
template <class Step>
std::vector<double> swappedFrames(PointView& view, int frames, Step step) {
  int swapped = 0;
  const auto connection =
      QObject::connect(&view, &PointView::frameShown, [&swapped] { ++swapped; });
  std::vector<double> ms;
  for (int f = 0; f < frames; ++f) {
    const int before = swapped;
    step();
    QElapsedTimer timer;
    timer.start();
    view.update();
    while (swapped == before) QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    ms.push_back(timer.nsecsElapsed() / 1e6);
  }
  QObject::disconnect(connection);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  std::int64_t points = 1000000;
  int frames = 60;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--points")) points = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--frames")) frames = std::atoi(argv[i + 1]);
  }
  // Ten Gaussian clusters in [-1, 1]^3, coloured by cluster.
  std::mt19937_64 rng(7);
  std::normal_distribution<float> noise(0.f, 0.12f);
  std::uniform_real_distribution<float> place(-0.7f, 0.7f);
  float centres[10][3];
  for (auto& c : centres)
    for (float& x : c) x = place(rng);
  auto positions = std::make_shared<std::vector<float>>(std::size_t(points) * 3);
  std::vector<std::uint32_t> colors(static_cast<std::size_t>(points));
  const auto& palette = loom::studio::categoryPalette();
  for (std::int64_t i = 0; i < points; ++i) {
    const int k = int(i % 10);
    for (int d = 0; d < 3; ++d) (*positions)[std::size_t(i * 3 + d)] = centres[k][d] + noise(rng);
    const QColor c = palette[std::size_t(k)];
    const std::uint8_t rgba[4] = {std::uint8_t(c.red()), std::uint8_t(c.green()),
                                  std::uint8_t(c.blue()), 255};
    std::memcpy(&colors[std::size_t(i)], rgba, 4);
  }

  PointView view;
  view.resize(1280, 800);
  view.setThreeD(true);
  view.setFrames(positions, positions, 0);
  view.setColors(std::move(colors));
  view.show();
  if (!view.canvas()) {
    std::fprintf(stderr, "loom_bench_embeddings_view: %s\n", qPrintable(view.unavailableReason()));
    return 1;
  }
  while (view.renderer().isEmpty()) QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
  std::printf("renderer: %s\npoints: %lld, view 1280 x 800, %d frames each\n",
              qPrintable(view.renderer()), static_cast<long long>(points), frames);
  for (int i = 0; i < 3; ++i) view.drawAndWait();  // warm-up: first upload, shader compile

  std::vector<double> draw3d;
  for (int f = 0; f < frames; ++f) {
    auto c = view.camera();
    c.yaw += 3;
    view.setCamera(c);
    draw3d.push_back(view.drawAndWait());
  }
  print("3-D rotate, draw", stats(draw3d));
  print("3-D rotate, frame", stats(swappedFrames(view, frames, [&] {
          auto c = view.camera();
          c.yaw += 3;
          view.setCamera(c);
        })));

  view.setThreeD(false);
  std::vector<double> draw2d;
  for (int f = 0; f < frames; ++f) {
    auto c = view.camera();
    c.center += QVector3D(0.005f, 0, 0);
    view.setCamera(c);
    draw2d.push_back(view.drawAndWait());
  }
  print("2-D pan, draw", stats(draw2d));
  return 0;
}
