#include "engine/backends/cpu/conv_narrow_input.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace loom::cpu {

namespace {

/// Floats one block's cols may take: large enough that the matmul is efficient, small
/// enough to stay in cache between the matmul and the scatter.
constexpr std::int64_t kColsBlockFloats = std::int64_t{1} << 20;  // 4 MiB

/// colsT [taps, rows] = weightsT [taps, oc] x diffDst^T, where diffDst is [rows, oc] row-major
/// (NHWC): a transposed operand, so that each tap's row of colsT is contiguous along ow.
dnnl::matmul::primitive_desc matmulDesc(std::int64_t taps, std::int64_t oc, std::int64_t rows) {
  const memory::desc ad({taps, oc}, memory::data_type::f32, Tag::ab);
  const memory::desc bd({oc, rows}, memory::data_type::f32, Tag::ba);
  const memory::desc cd({taps, rows}, memory::data_type::f32, Tag::ab);
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(ad, bd, cd), scratchpadAttr(),
                                      cpuEngine());
}

/// The ow range whose tap iw = ow * stride - pad + offset lies in [0, width).
std::pair<std::int64_t, std::int64_t> validColumns(std::int64_t outW, std::int64_t stride,
                                                   std::int64_t pad, std::int64_t offset,
                                                   std::int64_t width) {
  const std::int64_t shift = pad - offset;  // iw >= 0  <=>  ow * stride >= shift
  const std::int64_t lo = shift <= 0 ? 0 : (shift + stride - 1) / stride;
  const std::int64_t top = width - 1 + shift;  // iw < width  <=>  ow * stride <= top
  const std::int64_t hi = top < 0 ? 0 : std::min(outW, top / stride + 1);
  return {lo, std::max(lo, hi)};
}

}  // namespace

NarrowInputBackwardData::NarrowInputBackwardData(const Dims& src, const Dims& dst,
                                                 const Window2D& w)
    : m_n(src[0]),
      m_ic(src[1]),
      m_h(src[2]),
      m_w(src[3]),
      m_oc(dst[1]),
      m_oh(dst[2]),
      m_ow(dst[3]),
      m_window(w),
      m_taps(w.kH * w.kW * src[1]) {
  const std::int64_t perSample = m_oh * m_ow * m_taps;
  m_blockSamples =
      std::clamp<std::int64_t>(kColsBlockFloats / std::max<std::int64_t>(perSample, 1), 1, m_n);
  m_weights.resize(static_cast<size_t>(m_oc * m_taps));
  m_cols.resize(static_cast<size_t>(m_blockSamples * perSample));
  m_fullPd = matmulDesc(m_taps, m_oc, m_blockSamples * m_oh * m_ow);
  m_full = dnnl::matmul(m_fullPd);
  m_a = unbound(m_fullPd.src_desc());
  bind(m_a, m_weights.data());
  m_b = unbound(m_fullPd.weights_desc());
  m_c = unbound(m_fullPd.dst_desc());
  const std::int64_t rest = m_n % m_blockSamples;
  if (rest > 0) {
    m_lastPd = matmulDesc(m_taps, m_oc, rest * m_oh * m_ow);
    m_last = dnnl::matmul(m_lastPd);
    m_lastB = unbound(m_lastPd.weights_desc());
    m_lastC = unbound(m_lastPd.dst_desc());
  }
}

std::string NarrowInputBackwardData::implName() const {
  return "matmul " + implOf(m_fullPd) + " + col2im";
}

void NarrowInputBackwardData::run(const float* diffDst, const float* weights, float* diffSrc) {
  // [OC, IC, kH, kW] -> [kH, kW, IC, OC]: row `tap` of the matmul's left-hand side.
  const std::int64_t kk = m_window.kH * m_window.kW;
  for (std::int64_t o = 0; o < m_oc; ++o)
    for (std::int64_t c = 0; c < m_ic; ++c)
      for (std::int64_t k = 0; k < kk; ++k)
        m_weights[static_cast<size_t>((k * m_ic + c) * m_oc + o)] =
            weights[(o * m_ic + c) * kk + k];
  std::memset(diffSrc, 0, sizeof(float) * static_cast<size_t>(m_n * m_h * m_w * m_ic));
  for (std::int64_t first = 0; first < m_n; first += m_blockSamples)
    runBlock(first, std::min(m_blockSamples, m_n - first), diffDst, diffSrc);
}

void NarrowInputBackwardData::runBlock(std::int64_t firstSample, std::int64_t samples,
                                       const float* diffDst, float* diffSrc) {
  const bool full = samples == m_blockSamples;
  const memory& b = full ? m_b : m_lastB;
  const memory& c = full ? m_c : m_lastC;
  bind(b, diffDst + firstSample * m_oh * m_ow * m_oc);
  bind(c, m_cols.data());
  execute(full ? m_full : m_last, {{DNNL_ARG_SRC, m_a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}},
          (full ? m_fullPd : m_lastPd).scratchpad_desc());
  col2im(samples, diffSrc + firstSample * m_h * m_w * m_ic);
}

void NarrowInputBackwardData::col2im(std::int64_t samples, float* diffSrc) const {
  const Window2D& w = m_window;
  const std::int64_t rows = samples * m_oh * m_ow, sampleSrc = m_h * m_w * m_ic;
  // One sample per thread: each image's sum runs in one fixed order (deterministic). The
  // innermost loop walks ow, contiguous in colsT (and in diffSrc for stride 1, one channel).
#pragma omp parallel for schedule(static) if (samples > 1)
  for (std::int64_t n = 0; n < samples; ++n) {
    float* src = diffSrc + n * sampleSrc;
    for (std::int64_t kh = 0; kh < w.kH; ++kh)
      for (std::int64_t kw = 0; kw < w.kW; ++kw) {
        const auto [lo, hi] = validColumns(m_ow, w.strideW, w.padLeft, kw * w.dilationW, m_w);
        const std::int64_t step = w.strideW * m_ic;
        for (std::int64_t c = 0; c < m_ic; ++c) {
          const float* tap = m_cols.data() + ((kh * w.kW + kw) * m_ic + c) * rows + n * m_oh * m_ow;
          for (std::int64_t oh = 0; oh < m_oh; ++oh) {
            const std::int64_t ih = oh * w.strideH - w.padTop + kh * w.dilationH;
            if (ih < 0 || ih >= m_h) continue;
            const float* from = tap + oh * m_ow;
            float* to = src + (ih * m_w + lo * w.strideW - w.padLeft + kw * w.dilationW) * m_ic + c;
            for (std::int64_t ow = lo; ow < hi; ++ow, to += step) *to += from[ow];
          }
        }
      }
  }
}

}  // namespace loom::cpu
