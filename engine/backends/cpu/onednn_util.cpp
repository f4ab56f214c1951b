#include "engine/backends/cpu/onednn_util.h"

#include <cstdlib>
#include <new>

namespace loom::cpu {

const dnnl::engine& cpuEngine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  thread_local dnnl::stream stream(cpuEngine());
  return stream;
}

memory::dims toDnnlDims(const Dims& dims) {
  return memory::dims(dims.begin(), dims.end());
}

namespace {
Tag rowMajorTag(size_t rank) {
  switch (rank) {
    case 1:
      return Tag::a;
    case 2:
      return Tag::ab;
    case 3:
      return Tag::abc;
    case 4:
      return Tag::abcd;
    case 5:
      return Tag::abcde;
    case 6:
      return Tag::abcdef;
    default:
      return Tag::undef;
  }
}

// Strides of a row-major tensor: works for any rank, unlike format tags.
memory::desc rowMajorDesc(const Dims& dims) {
  memory::dims strides(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return memory::desc(toDnnlDims(dims), memory::data_type::f32, strides);
}
}  // namespace

memory::desc tensorDesc(const Dims& dims, Layout layout) {
  if (dims.size() == 4 && layout == Layout::NHWC)
    return memory::desc(toDnnlDims(dims), memory::data_type::f32, Tag::nhwc);
  return plainDesc(dims);
}

memory::desc plainDesc(const Dims& dims) {
  Tag tag = rowMajorTag(dims.size());
  if (tag == Tag::undef) return rowMajorDesc(dims);
  return memory::desc(toDnnlDims(dims), memory::data_type::f32, tag);
}

memory::desc anyDesc(const Dims& dims) {
  return memory::desc(toDnnlDims(dims), memory::data_type::f32, Tag::any);
}

memory::desc flatDesc(std::int64_t count) {
  return memory::desc({count}, memory::data_type::f32, Tag::a);
}

Layout activationLayout(const Dims& dims) {
  return dims.size() == 4 ? Layout::NHWC : Layout::Plain;
}

memory unbound(const memory::desc& desc) {
  return memory(desc, cpuEngine(), DNNL_MEMORY_NONE);
}

dnnl::primitive_attr scratchpadAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

namespace {
// One arena per thread: kernels of a plan run one after another on the plan's thread, so
// they can all share the largest scratchpad any of them needs.
struct Arena {
  void* data = nullptr;
  size_t capacity = 0;
  ~Arena() { std::free(data); }
  void* reserve(size_t bytes) {
    if (bytes <= capacity) return data;
    const size_t rounded = (bytes + 4095) / 4096 * 4096;
    void* fresh = std::aligned_alloc(64, rounded);
    if (!fresh) throw std::bad_alloc();
    std::free(data);
    data = fresh;
    capacity = rounded;
    return data;
  }
};
}  // namespace

void execute(const dnnl::primitive& prim, ArgMap args, const memory::desc& scratchpad) {
  const size_t bytes = scratchpad.get_size();
  if (bytes > 0) {
    thread_local Arena arena;
    args.insert({DNNL_ARG_SCRATCHPAD, memory(scratchpad, cpuEngine(), arena.reserve(bytes))});
  }
  dnnl::stream& stream = cpuStream();
  prim.execute(stream, args);
  stream.wait();
}

std::string implOf(const dnnl::primitive_desc_base& pd) {
  return pd.impl_info_str();
}

// ---- reorders ----

ToPrimitive::ToPrimitive(const memory::desc& user, const memory::desc& wanted)
    : m_copies(user != wanted), m_user(unbound(user)) {
  if (m_copies) {
    m_owned = memory(wanted, cpuEngine());
    m_reorder = dnnl::reorder(m_user, m_owned);
  }
}

const memory& ToPrimitive::convert(const void* data) {
  bind(m_user, data);
  if (!m_copies) return m_user;
  if (m_keep && m_convertedFrom == data) return m_owned;
  execute(m_reorder, {{DNNL_ARG_FROM, m_user}, {DNNL_ARG_TO, m_owned}}, memory::desc());
  m_convertedFrom = m_keep ? data : nullptr;
  return m_owned;
}

const memory& ToPrimitive::reuse(const void* data) {
  if (m_copies) return m_owned;
  bind(m_user, data);
  return m_user;
}

FromPrimitive::FromPrimitive(const memory::desc& produced, const memory::desc& user)
    : m_copies(produced != user), m_user(unbound(user)) {
  if (m_copies) {
    m_owned = memory(produced, cpuEngine());
    m_reorder = dnnl::reorder(m_owned, m_user);
  }
}

const memory& FromPrimitive::target(void* data) {
  if (m_copies) return m_owned;
  bind(m_user, data);
  return m_user;
}

void FromPrimitive::finish(void* data) {
  if (!m_copies) return;
  bind(m_user, data);
  execute(m_reorder, {{DNNL_ARG_FROM, m_owned}, {DNNL_ARG_TO, m_user}}, memory::desc());
}

// ---- layout staging ----

namespace {
// NCHW and NHWC are the same bytes when there is one channel or one pixel.
bool sameBytes(const Tensor& t, Layout want) {
  return t.layout() == want || t.rank() != 4 || t.dim(1) == 1 || t.dim(2) * t.dim(3) == 1;
}
}  // namespace

const Tensor& stagedInput(const Tensor& t, Layout want, Tensor& staging) {
  if (sameBytes(t, want)) return t;
  if (staging.empty() || staging.dims() != t.dims()) staging = Tensor(t.dims(), t.dtype(), want);
  staging.assignConverted(t);
  return staging;
}

Tensor& stagedOutput(Tensor& t, Layout want, Tensor& staging) {
  if (sameBytes(t, want)) return t;
  if (staging.empty() || staging.dims() != t.dims()) staging = Tensor(t.dims(), t.dtype(), want);
  return staging;
}

void finishOutput(Tensor& t, const Tensor& written) {
  if (&t != &written) t.assignConverted(written);
}

// ---- kernel base ----

Layout OnednnKernel::inputLayout(int i) const {
  if (m_inputLayouts.empty()) return Layout::Plain;
  const size_t k = std::min(static_cast<size_t>(i), m_inputLayouts.size() - 1);
  return m_inputLayouts[k];
}

namespace {
template <class F>
Status guarded(const std::string& what, F&& body) {
  try {
    return body();
  } catch (const dnnl::error& e) {
    return internalError(what + ": oneDNN error " + std::to_string(static_cast<int>(e.status)) +
                         " (" + e.what() + ")");
  } catch (const std::bad_alloc&) {
    return internalError(what + ": out of memory");
  }
}
}  // namespace

Status OnednnKernel::forward(KernelArgs& args) {
  return guarded(m_implName + " forward", [&] { return runForward(args); });
}

Status OnednnKernel::backward(KernelArgs& args) {
  return guarded(m_implName + " backward", [&] { return runBackward(args); });
}

Expected<std::unique_ptr<Kernel>> guardedCreate(
    const std::string& op, const std::function<Expected<std::unique_ptr<Kernel>>()>& make) {
  try {
    return make();
  } catch (const dnnl::error& e) {
    return unsupported("oneDNN has no " + op + " primitive for this configuration (" + e.what() +
                       ")");
  } catch (const std::bad_alloc&) {
    return unsupported(op + ": out of memory while creating oneDNN primitives");
  }
}

Status checkArgs(const KernelArgs& args, size_t inputs, size_t params, const char* op) {
  if (args.src.size() != inputs)
    return internalError(std::string(op) + " kernel: expected " + std::to_string(inputs) +
                         " inputs, got " + std::to_string(args.src.size()));
  if (args.params.size() < params)
    return internalError(std::string(op) + " kernel: expected " + std::to_string(params) +
                         " parameters, got " + std::to_string(args.params.size()));
  if (!args.dst) return internalError(std::string(op) + " kernel: no dst tensor");
  return Status::ok();
}

}  // namespace loom::cpu
