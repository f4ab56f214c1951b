#include "engine/train/checkpoint.h"

#include <cstring>

#include "engine/core/crc32c.h"
#include "engine/core/file_util.h"
#include "engine/core/utf8.h"

namespace loom {

namespace {
constexpr char kMagic[8] = {'L', 'O', 'O', 'M', 'C', 'K', 'P', 'T'};

class Writer {
 public:
  template <class T>
  void put(const T& v) {
    bytes(&v, sizeof v);
  }
  void bytes(const void* p, size_t n) { m_out.append(static_cast<const char*>(p), n); }
  void str(const std::string& s) {
    put(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  std::string& out() { return m_out; }

 private:
  std::string m_out;
};

class Reader {
 public:
  Reader(const std::string& data, const std::string& path) : m_data(data), m_path(path) {}
  template <class T>
  Status get(T& v) {
    return bytes(&v, sizeof v);
  }
  Status bytes(void* p, size_t n) {
    if (m_pos + n > m_data.size())
      return dataCorrupt("checkpoint \"" + m_path + "\" is truncated: needs at least " +
                         std::to_string(m_pos + n) + " bytes, the file has " +
                         std::to_string(m_data.size()));
    std::memcpy(p, m_data.data() + m_pos, n);
    m_pos += n;
    return Status::ok();
  }
  Status str(std::string& s) {
    std::uint32_t n = 0;
    LOOM_RETURN_IF_ERROR(get(n));
    if (n > m_data.size())
      return dataCorrupt("checkpoint \"" + m_path + "\" has a corrupt string length");
    s.resize(n);
    return bytes(s.data(), n);
  }
  size_t pos() const { return m_pos; }

 private:
  const std::string& m_data;
  const std::string& m_path;
  size_t m_pos = 0;
};

void putState(Writer& w, const TrainerState& s) {
  w.put(s.epoch);
  w.put(s.stepInEpoch);
  w.put(s.globalStep);
  w.put(s.seed);
  w.put(s.threads);
  w.put(s.bestValidationLoss);
  w.put(s.epochsWithoutImprovement);
  w.put(s.epochLossSum);
  w.put(s.epochCorrect);
  w.put(s.epochSamples);
}

Status getState(Reader& r, TrainerState& s) {
  LOOM_RETURN_IF_ERROR(r.get(s.epoch));
  LOOM_RETURN_IF_ERROR(r.get(s.stepInEpoch));
  LOOM_RETURN_IF_ERROR(r.get(s.globalStep));
  LOOM_RETURN_IF_ERROR(r.get(s.seed));
  LOOM_RETURN_IF_ERROR(r.get(s.threads));
  LOOM_RETURN_IF_ERROR(r.get(s.bestValidationLoss));
  LOOM_RETURN_IF_ERROR(r.get(s.epochsWithoutImprovement));
  LOOM_RETURN_IF_ERROR(r.get(s.epochLossSum));
  LOOM_RETURN_IF_ERROR(r.get(s.epochCorrect));
  return r.get(s.epochSamples);
}
// The size a complete file would have, from the tensor headers (no allocation); used only
// to tell "truncated" from "damaged" in messages, so every field is untrusted here: sums
// saturate at UINT64_MAX and nothing is read past the end. The header ends with the count.
std::uint64_t expectedSize(const std::string& file, std::uint32_t headerBytes) {
  constexpr std::uint64_t kSaturated = UINT64_MAX;
  std::uint64_t pos = sizeof kMagic + 4 + 4 + static_cast<std::uint64_t>(headerBytes);
  if (pos > file.size()) return pos + 4;
  std::uint32_t count = 0;
  std::memcpy(&count, file.data() + pos - 4, 4);
  auto advance = [&](std::uint64_t n) {
    if (__builtin_add_overflow(pos, n, &pos)) pos = kSaturated;
    return pos <= file.size();
  };
  auto read = [&](void* v, std::uint64_t n) {
    if (pos > file.size() || file.size() - pos < n) return false;
    std::memcpy(v, file.data() + pos, n);
    return true;
  };
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t nameLen = 0, rank = 0;
    std::uint64_t bytes = 0;
    if (!read(&nameLen, 4) || !advance(4ull + nameLen + 1)) break;  // name, dtype
    if (!read(&rank, 4) || !advance(4 + 8ull * rank)) break;
    if (!read(&bytes, 8) || !advance(8) || !advance(bytes) || !advance(4))
      break;  // size, data, CRC
  }
  return pos >= kSaturated - 4 ? kSaturated : pos + 4;
}
}  // namespace

Status writeCheckpoint(const std::string& path, const CheckpointData& data) {
  Writer header;
  header.str(data.modelHash);
  putState(header, data.state);
  header.put(static_cast<std::uint32_t>(data.tensors.size()));

  Writer w;
  w.bytes(kMagic, sizeof kMagic);
  w.put(kCheckpointFormatVersion);
  w.put(static_cast<std::uint32_t>(header.out().size()));
  w.bytes(header.out().data(), header.out().size());
  for (const auto& [name, tensor] : data.tensors) {
    Tensor t = tensor.dtype() == DType::F32 ? tensor.toLayout(Layout::Plain) : tensor;
    w.str(name);
    w.put(static_cast<std::uint8_t>(t.dtype()));
    w.put(static_cast<std::uint32_t>(t.rank()));
    for (auto d : t.dims()) w.put(d);
    w.put(static_cast<std::uint64_t>(t.bytes()));
    w.bytes(t.raw(), t.bytes());
    w.put(crc32c(t.raw(), t.bytes()));
  }
  w.put(crc32c(w.out().data(), w.out().size()));
  return writeFileAtomically(path, w.out());
}

Expected<CheckpointData> readCheckpoint(const std::string& path,
                                        const std::string& expectedModelHash) {
  LOOM_ASSIGN_OR_RETURN(std::string file, readFile(path));
  const std::string where = "checkpoint \"" + path + "\"";
  if (file.size() < sizeof kMagic || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
    return dataCorrupt(where + " is not a Loom checkpoint (bad magic)");
  if (file.size() < sizeof kMagic + 4 + 4 + 4)
    return dataCorrupt(where + " is truncated: " + std::to_string(file.size()) +
                       " bytes, not even a header");
  std::uint32_t headerBytes = 0;
  std::memcpy(&headerBytes, file.data() + sizeof kMagic + 4, 4);
  // Verify the whole-file digest before trusting ANY field: a flipped bit in the version or
  // the model hash must read as damage, not as "newer format" or "another model".
  std::uint32_t stored = 0;
  std::memcpy(&stored, file.data() + file.size() - 4, 4);
  if (stored != crc32c(file.data(), file.size() - 4)) {
    // A short file fails the digest too; say "truncated" when the (untrusted) sizes show it.
    const std::uint64_t expected = expectedSize(file, headerBytes);
    if (expected > file.size() && expected != UINT64_MAX)
      return dataCorrupt(where + " is truncated: needs at least " + std::to_string(expected) +
                         " bytes, the file has " + std::to_string(file.size()));
    return dataCorrupt(where + " fails its whole-file CRC-32C check (damaged or truncated)");
  }
  Reader r(file, path);
  char magic[8];
  LOOM_RETURN_IF_ERROR(r.bytes(magic, 8));
  std::uint32_t version = 0;
  LOOM_RETURN_IF_ERROR(r.get(version));
  if (version > kCheckpointFormatVersion)
    return unsupported(where + " has format version " + std::to_string(version) +
                       ", newer than this Loom reads (" + std::to_string(kCheckpointFormatVersion) +
                       ")");
  LOOM_RETURN_IF_ERROR(r.get(headerBytes));
  CheckpointData data;
  LOOM_RETURN_IF_ERROR(r.str(data.modelHash));
  if (!expectedModelHash.empty() && data.modelHash != expectedModelHash)
    return Status(ErrorCode::ModelMismatch,
                  where + " belongs to a different model (structure hash " +
                      printable(data.modelHash) + ", this model has " + expectedModelHash + ")");
  LOOM_RETURN_IF_ERROR(getState(r, data.state));
  std::uint32_t count = 0;
  LOOM_RETURN_IF_ERROR(r.get(count));
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string name;
    std::uint8_t dtype = 0;
    std::uint32_t rank = 0;
    LOOM_RETURN_IF_ERROR(r.str(name));
    LOOM_RETURN_IF_ERROR(r.get(dtype));
    LOOM_RETURN_IF_ERROR(r.get(rank));
    if (dtype > static_cast<std::uint8_t>(DType::I64) || rank > 8)
      return dataCorrupt(where + ": tensor \"" + printable(name) + "\" has a corrupt header");
    Dims dims(rank);
    for (auto& d : dims) LOOM_RETURN_IF_ERROR(r.get(d));
    std::uint64_t bytes = 0;
    LOOM_RETURN_IF_ERROR(r.get(bytes));
    // Sizes are checked against each other and against the bytes in the file before the
    // tensor is allocated: a CRC-valid file can still claim [1882000, 1882000].
    const auto claimed =
        checkedNumElements(dims, static_cast<std::int64_t>(dtypeSize(static_cast<DType>(dtype))));
    if (!claimed || static_cast<std::uint64_t>(*claimed) != bytes)
      return dataCorrupt(where + ": tensor \"" + printable(name) + "\" has dims " +
                         dimsToString(dims) + " that do not match its " + std::to_string(bytes) +
                         " bytes");
    if (bytes > file.size() - r.pos())
      return dataCorrupt(where + ": tensor \"" + printable(name) + "\" claims " +
                         std::to_string(bytes) + " bytes, the file has " +
                         std::to_string(file.size() - r.pos()) + " left");
    Tensor t(dims, static_cast<DType>(dtype));
    LOOM_RETURN_IF_ERROR(r.bytes(t.raw(), t.bytes()));
    std::uint32_t crc = 0;
    LOOM_RETURN_IF_ERROR(r.get(crc));
    if (crc != crc32c(t.raw(), t.bytes()))
      return dataCorrupt(where + ": tensor \"" + printable(name) + "\" fails its CRC-32C check");
    data.tensors.emplace_back(std::move(name), std::move(t));
  }
  if (r.pos() + 4 != file.size())
    return dataCorrupt(where + " has " + std::to_string(file.size() - r.pos()) +
                       " unexpected trailing bytes");
  return data;
}

}  // namespace loom
