// Backward-data of a convolution whose input has few channels (a grayscale or RGB image):
// the gradient with respect to the image, which an explanation (engine/explain) asks for
// thousands of times and training never does.
//
// oneDNN's direct backward-data kernel blocks input channels by 16, so for one channel it
// computes 16 times the work: on the CNN's first convolution (1 -> 32 channels, 5x5, batch
// 64) it took 5.7 ms, as long as the second convolution with 32 times its FLOPs. This path
// computes the same sum as a oneDNN matmul and a col2im (0.6 ms + a scatter):
//
//   cols[(kh, kw, ic), n, oh, ow] = sum_oc W[oc, ic, kh, kw] * diffDst[n, oh, ow, oc]
//   diffSrc[n, ih, iw, ic]        = sum of cols over every (oh, ow, kh, kw) whose tap
//                                   ih = oh*sH - padTop + kh*dH, iw = ow*sW - padLeft + kw*dW
//
// Samples are processed in blocks whose cols fit a few MiB, so a large image never needs
// an im2col-sized buffer. Results are deterministic (each sample is summed by one thread
// in a fixed order) but not bit-equal to oneDNN's kernel; the op harness checks both
// against the reference. Private to backends/cpu.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/backends/cpu/onednn_util.h"
#include "engine/ops/conv_geometry.h"

namespace loom::cpu {

/// Input channels below which Conv2D's backward-data takes this path (groups == 1 only).
/// At 4 channels oneDNN's 16-channel blocks waste 4x; measured at 1 channel: 5.7 vs 0.9 ms.
inline constexpr std::int64_t kNarrowInputChannels = 4;

class NarrowInputBackwardData {
 public:
  /// `src` [N, IC, H, W] and `dst` [N, OC, OH, OW] are the convolution's dims, `w` its
  /// window. Activations are NHWC.
  NarrowInputBackwardData(const Dims& src, const Dims& dst, const Window2D& w);

  /// Writes d loss / d src (NHWC, N*H*W*IC floats) from `diffDst` (NHWC) and the weights
  /// as ParameterSet stores them ([OC, IC, kH, kW], row-major).
  void run(const float* diffDst, const float* weights, float* diffSrc);

  /// "matmul <oneDNN's impl> + col2im", for the kernel's implName().
  std::string implName() const;

 private:
  void runBlock(std::int64_t firstSample, std::int64_t samples, const float* diffDst,
                float* diffSrc);
  void col2im(std::int64_t samples, float* diffSrc) const;

  std::int64_t m_n, m_ic, m_h, m_w, m_oc, m_oh, m_ow;
  Window2D m_window;
  std::int64_t m_taps;           ///< kH * kW * IC: one cols row
  std::int64_t m_blockSamples;   ///< samples per matmul
  std::vector<float> m_weights;  ///< [kH, kW, IC, OC]: the matmul's left-hand side
  std::vector<float> m_cols;     ///< colsT [taps, blockSamples * OH * OW]
  dnnl::matmul::primitive_desc m_fullPd, m_lastPd;
  dnnl::matmul m_full, m_last;  ///< blocks of m_blockSamples samples, and the remainder
  memory m_a, m_b, m_c, m_lastB, m_lastC;
};

}  // namespace loom::cpu
