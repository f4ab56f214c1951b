// Pictures of attributions: a map drawn over its image, and the grid of methods side by side
// that `loom explain` writes (PNG through OpenCV imgcodecs).
//
// Colour scale: a map with negative values is drawn diverging (red = evidence for the target,
// blue = against, transparent at 0), one with none sequentially (transparent -> yellow -> red);
// both are scaled to the 99th percentile of |value| of that map, so one hot pixel does not
// wash the rest out. The image is shown in grey underneath.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

struct OverlayStyle {
  int scale = 4;          ///< each pixel becomes scale x scale (nearest neighbour)
  double opacity = 0.65;  ///< of the colour at full scale
};

/// The colour scale of renderOverlay as data, so a legend draws exactly what the overlay
/// uses. A map is drawn diverging when any value is negative.
bool overlayIsDiverging(const std::vector<double>& saliency);
/// The |value| drawn at full colour: the 99th percentile of |value| (the largest |value| when
/// that is 0; 1 for an all-zero map). Values beyond it are clamped.
double overlayFullScale(const std::vector<double>& saliency);
/// An 8-bit RGB colour and its opacity in [0, 1] (before OverlayStyle::opacity).
struct OverlayColor {
  double r = 0, g = 0, b = 0, alpha = 0;
};
/// The colour of `v`, a value divided by overlayFullScale() (clamped to [-1, 1]): diverging,
/// red (230, 40, 40) for v > 0 and blue (40, 40, 230) for v < 0 with alpha |v|; sequential,
/// yellow (255, 255, 0) to red (255, 0, 0) with alpha v (v < 0 as 0).
OverlayColor overlayColor(double v, bool diverging);

/// The overlay of `saliency` (H * W values) on `image` (U8 [C, H, W], C = 1 or 3 in RGB
/// order) as an 8-bit RGB image U8 [3, H*scale, W*scale].
Tensor renderOverlay(const Tensor& image, const std::vector<double>& saliency,
                     const OverlayStyle& style);

/// Writes an RGB U8 [3, H, W] image as PNG. IoError naming the path if OpenCV cannot.
Status writePng(const std::string& path, const Tensor& rgb);

/// One row per image: the image itself, then one overlay per method; titles over the
/// columns ("image", then `columnTitles`), `rowLabels` at the left of each row.
/// `overlays[row][column]` are renderOverlay() results of equal size.
Tensor renderGrid(const std::vector<Tensor>& images,
                  const std::vector<std::vector<Tensor>>& overlays,
                  const std::vector<std::string>& columnTitles,
                  const std::vector<std::string>& rowLabels, const OverlayStyle& style);

/// An 8-bit image [C, H, W] nearest-scaled to RGB [3, H*scale, W*scale] (grey replicated).
Tensor renderImage(const Tensor& image, int scale);

}  // namespace loom
