// Tensor: a shaped, typed, reference-counted block of host memory.
//
// Shapes are always *logical* and follow PyTorch/ONNX order: [N, C, H, W] for images,
// [N, F] for features, [out, in] for Dense weights, [out, in/groups, kH, kW] for Conv2D
// weights. The physical order of a rank-4 tensor is given by its Layout: Plain (row-major,
// NCHW) or NHWC (channels last, which the oneDNN backend keeps end to end so convolutions
// run without reorders). Layout conversion happens only where a consumer needs another
// layout (see exec/plan.h).
//
// Copying a Tensor shares its storage (like a shared_ptr); clone() makes a deep copy.
// Storage is 64-byte aligned and zero-initialised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace loom {

enum class DType : std::uint8_t { F32 = 0, U8 = 1, I64 = 2 };
size_t dtypeSize(DType dtype);
const char* dtypeName(DType dtype);

/// Physical element order. Plain = row-major in logical order. NHWC applies to rank 4 only.
enum class Layout : std::uint8_t { Plain = 0, NHWC = 1 };
const char* layoutName(Layout layout);

using Dims = std::vector<std::int64_t>;
/// The product of `dims`, saturating at INT64_MAX (never overflowing) for sizes from outside.
std::int64_t numElements(const Dims& dims);
/// total += v, saturating at INT64_MAX: sums of sizes and costs that numElements() may have
/// saturated stay saturated instead of overflowing.
inline void addSaturating(std::int64_t& total, std::int64_t v) {
  if (__builtin_add_overflow(total, v, &total)) total = INT64_MAX;
}
/// The product of `dims` in checked 64-bit arithmetic: nullopt when a dimension is negative or
/// the product (times `elementBytes`, when given) does not fit in int64. Use it wherever a
/// size comes from outside (a file, a user's attribute) before anything is allocated.
std::optional<std::int64_t> checkedNumElements(const Dims& dims, std::int64_t elementBytes = 1);
/// True when Plain and NHWC order the elements of `dims` identically (not rank 4, or one
/// channel): then a layout change is a relabel, never a copy.
inline bool layoutsShareBytes(const Dims& dims) {
  return dims.size() != 4 || dims[1] == 1;
}
/// "[128, 1, 28, 28]"
std::string dimsToString(const Dims& dims);

class Tensor {
 public:
  Tensor() = default;
  /// Allocates zeroed storage for `dims`.
  explicit Tensor(Dims dims, DType dtype = DType::F32, Layout layout = Layout::Plain);

  bool empty() const { return !m_storage; }
  const Dims& dims() const { return m_dims; }
  std::int64_t dim(int i) const { return m_dims[static_cast<size_t>(i)]; }
  int rank() const { return static_cast<int>(m_dims.size()); }
  std::int64_t numel() const { return numElements(m_dims); }
  size_t bytes() const { return static_cast<size_t>(numel()) * dtypeSize(m_dtype); }
  DType dtype() const { return m_dtype; }
  Layout layout() const { return m_layout; }

  void* raw() { return m_storage.get(); }
  const void* raw() const { return m_storage.get(); }
  template <class T>
  T* data() {
    return static_cast<T*>(raw());
  }
  template <class T>
  const T* data() const {
    return static_cast<const T*>(raw());
  }
  float* f32() { return data<float>(); }
  const float* f32() const { return data<float>(); }

  /// Deep copy (same dims, dtype, layout).
  Tensor clone() const;
  /// Sets every element (F32 only).
  void fill(float value);
  /// Sets every byte to zero.
  void zero();
  /// Copies the contents of `src`, which must have the same dims, dtype and layout.
  void copyFrom(const Tensor& src);
  /// Same storage seen with other dims of the same element count. Plain layout only.
  Tensor reshaped(Dims dims) const;
  /// A view of the first bytes of this storage as a tensor of `dims` (F32) in `layout`;
  /// the storage must be at least that large. Used by plans to let buffers with disjoint
  /// lifetimes share memory.
  Tensor viewAs(Dims dims, Layout layout) const;
  /// Copy converted to `layout` (returns *this when already in it). F32 only.
  Tensor toLayout(Layout layout) const;
  /// Writes `src` converted to this tensor's layout into this tensor (same dims).
  void assignConverted(const Tensor& src);
  /// Declares the physical order of the existing storage (no data movement).
  void setLayout(Layout layout) { m_layout = layout; }

  bool sameStorage(const Tensor& other) const { return m_storage == other.m_storage; }

 private:
  Dims m_dims;
  DType m_dtype = DType::F32;
  Layout m_layout = Layout::Plain;
  std::shared_ptr<std::byte> m_storage;
};

/// Largest |a - b| / max(1, |b|) over all elements, after bringing both to Plain layout.
double maxRelativeDifference(const Tensor& a, const Tensor& b);

}  // namespace loom
