#include "engine/core/tensor.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace loom {

size_t dtypeSize(DType dtype) {
  switch (dtype) {
    case DType::F32:
      return 4;
    case DType::U8:
      return 1;
    case DType::I64:
      return 8;
  }
  return 0;
}

const char* dtypeName(DType dtype) {
  switch (dtype) {
    case DType::F32:
      return "float32";
    case DType::U8:
      return "uint8";
    case DType::I64:
      return "int64";
  }
  return "?";
}

const char* layoutName(Layout layout) {
  switch (layout) {
    case Layout::Plain:
      return "plain";
    case Layout::NHWC:
      return "nhwc";
  }
  return "?";
}

std::int64_t numElements(const Dims& dims) {
  // Saturates instead of overflowing (undefined behaviour): shapes from outside are checked
  // with checkedNumElements() before they get here; this keeps a missed one well-defined.
  std::int64_t n = 1;
  for (auto d : dims)
    if (__builtin_mul_overflow(n, d, &n)) return INT64_MAX;
  return n;
}

std::optional<std::int64_t> checkedNumElements(const Dims& dims, std::int64_t elementBytes) {
  std::int64_t n = elementBytes;
  if (n < 0) return std::nullopt;
  for (auto d : dims)
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return std::nullopt;
  return n;
}

std::string dimsToString(const Dims& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

namespace {
std::shared_ptr<std::byte> allocateZeroed(size_t bytes) {
  constexpr size_t kAlign = 64;
  size_t rounded = std::max<size_t>(kAlign, (bytes + kAlign - 1) / kAlign * kAlign);
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  return {static_cast<std::byte*>(p), [](std::byte* q) { std::free(q); }};
}

// Converts between NCHW and NHWC for a rank-4 float tensor.
void convertLayout(const float* src, Layout srcLayout, float* dst, const Dims& d) {
  const std::int64_t n = d[0], c = d[1], hw = d[2] * d[3];
  for (std::int64_t in = 0; in < n; ++in) {
    const float* s = src + in * c * hw;
    float* t = dst + in * c * hw;
    if (srcLayout == Layout::Plain) {  // NCHW -> NHWC
      for (std::int64_t ic = 0; ic < c; ++ic)
        for (std::int64_t p = 0; p < hw; ++p) t[p * c + ic] = s[ic * hw + p];
    } else {  // NHWC -> NCHW
      for (std::int64_t p = 0; p < hw; ++p)
        for (std::int64_t ic = 0; ic < c; ++ic) t[ic * hw + p] = s[p * c + ic];
    }
  }
}
}  // namespace

Tensor::Tensor(Dims dims, DType dtype, Layout layout)
    : m_dims(std::move(dims)), m_dtype(dtype), m_layout(layout) {
  assert(layout == Layout::Plain || m_dims.size() == 4);
  m_storage = allocateZeroed(bytes());
}

Tensor Tensor::clone() const {
  if (empty()) return {};
  Tensor t(m_dims, m_dtype, m_layout);
  std::memcpy(t.raw(), raw(), bytes());
  return t;
}

void Tensor::fill(float value) {
  assert(m_dtype == DType::F32);
  std::fill_n(f32(), numel(), value);
}

void Tensor::zero() {
  if (!empty()) std::memset(raw(), 0, bytes());
}

void Tensor::copyFrom(const Tensor& src) {
  assert(src.m_dims == m_dims && src.m_dtype == m_dtype && src.m_layout == m_layout);
  if (!sameStorage(src)) std::memcpy(raw(), src.raw(), bytes());
}

Tensor Tensor::reshaped(Dims dims) const {
  assert(numElements(dims) == numel());
  assert(m_layout == Layout::Plain);
  Tensor t = *this;
  t.m_dims = std::move(dims);
  return t;
}

Tensor Tensor::viewAs(Dims dims, Layout layout) const {
  Tensor t = *this;
  t.m_dims = std::move(dims);
  t.m_dtype = DType::F32;
  t.m_layout = t.m_dims.size() == 4 ? layout : Layout::Plain;
  assert(t.bytes() <= bytes());
  return t;
}

Tensor Tensor::toLayout(Layout layout) const {
  if (layout == m_layout || layoutsShareBytes(m_dims)) {
    // With one channel NCHW and NHWC are the same bytes: relabel only.
    Tensor t = *this;
    if (rank() == 4) t.m_layout = layout;
    return t;
  }
  Tensor t(m_dims, m_dtype, layout);
  convertLayout(f32(), m_layout, t.f32(), m_dims);
  return t;
}

void Tensor::assignConverted(const Tensor& src) {
  assert(src.m_dims == m_dims && src.m_dtype == m_dtype);
  if (src.m_layout == m_layout || layoutsShareBytes(m_dims)) {
    std::memcpy(raw(), src.raw(), bytes());
    return;
  }
  convertLayout(src.f32(), src.m_layout, f32(), m_dims);
}

double maxRelativeDifference(const Tensor& a, const Tensor& b) {
  assert(a.dims() == b.dims());
  Tensor pa = a.toLayout(Layout::Plain), pb = b.toLayout(Layout::Plain);
  double worst = 0;
  for (std::int64_t i = 0; i < pa.numel(); ++i) {
    double x = pa.f32()[i], y = pb.f32()[i];
    double d = std::fabs(x - y) / std::max(1.0, std::fabs(y));
    if (std::isnan(d)) return INFINITY;
    worst = std::max(worst, d);
  }
  return worst;
}

}  // namespace loom
