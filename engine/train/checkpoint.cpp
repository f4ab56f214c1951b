#include "engine/train/checkpoint.h"

#include <cstring>

#include "engine/core/crc32c.h"
#include "engine/core/file_util.h"

namespace loom {

namespace {
constexpr char kMagic[8] = {'L', 'O', 'O', 'M', 'C', 'K', 'P', 'T'};

class Writer {
 public:
  template <class T> void put(const T& v) { bytes(&v, sizeof v); }
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
  template <class T> Status get(T& v) { return bytes(&v, sizeof v); }
  Status bytes(void* p, size_t n) {
    if (m_pos + n > m_data.size())
      return dataCorrupt("checkpoint \"" + m_path + "\" is truncated: needs at least " +
                         std::to_string(m_pos + n) + " bytes, the file has " + std::to_string(m_data.size()));
    std::memcpy(p, m_data.data() + m_pos, n);
    m_pos += n;
    return Status::ok();
  }
  Status str(std::string& s) {
    std::uint32_t n = 0;
    LOOM_RETURN_IF_ERROR(get(n));
    if (n > m_data.size()) return dataCorrupt("checkpoint \"" + m_path + "\" has a corrupt string length");
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
// to tell "truncated" from "damaged" in messages. The header ends with the tensor count.
size_t expectedSize(const std::string& file, std::uint32_t headerBytes) {
  size_t pos = sizeof kMagic + 4 + 4 + headerBytes;
  if (pos > file.size()) return pos + 4;
  std::uint32_t count = 0;
  std::memcpy(&count, file.data() + pos - 4, 4);
  auto read = [&](void* v, size_t n) {
    if (pos + n > file.size()) return false;
    std::memcpy(v, file.data() + pos, n);
    return true;
  };
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint32_t nameLen = 0, rank = 0;
    std::uint64_t bytes = 0;
    if (!read(&nameLen, 4)) break;
    pos += 4 + nameLen + 1;  // name, dtype
    if (!read(&rank, 4)) break;
    pos += 4 + 8ull * rank;
    if (!read(&bytes, 8)) break;
    pos += 8 + bytes + 4;  // byte count, data, CRC
  }
  return pos + 4;
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

Expected<CheckpointData> readCheckpoint(const std::string& path, const std::string& expectedModelHash) {
  LOOM_ASSIGN_OR_RETURN(std::string file, readFile(path));
  const std::string where = "checkpoint \"" + path + "\"";
  if (file.size() < sizeof kMagic || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
    return dataCorrupt(where + " is not a Loom checkpoint (bad magic)");
  Reader r(file, path);
  char magic[8];
  LOOM_RETURN_IF_ERROR(r.bytes(magic, 8));
  std::uint32_t version = 0, headerBytes = 0;
  LOOM_RETURN_IF_ERROR(r.get(version));
  if (version > kCheckpointFormatVersion)
    return unsupported(where + " has format version " + std::to_string(version) +
                       ", newer than this Loom reads (" + std::to_string(kCheckpointFormatVersion) + ")");
  LOOM_RETURN_IF_ERROR(r.get(headerBytes));
  CheckpointData data;
  LOOM_RETURN_IF_ERROR(r.str(data.modelHash));
  // Check the model before the digest: "wrong model" is the more useful message.
  if (!expectedModelHash.empty() && data.modelHash != expectedModelHash)
    return Status(ErrorCode::ModelMismatch, where + " belongs to a different model (structure hash " +
                                                data.modelHash + ", this model has " + expectedModelHash + ")");
  if (file.size() < 4) return dataCorrupt(where + " is truncated");
  // Verify the whole-file digest before trusting any size field in the file.
  std::uint32_t stored = 0;
  std::memcpy(&stored, file.data() + file.size() - 4, 4);
  if (stored != crc32c(file.data(), file.size() - 4)) {
    // A short file fails the digest too; say "truncated" when the sizes show it.
    if (size_t expected = expectedSize(file, headerBytes); expected > file.size())
      return dataCorrupt(where + " is truncated: needs at least " + std::to_string(expected) +
                         " bytes, the file has " + std::to_string(file.size()));
    return dataCorrupt(where + " fails its whole-file CRC-32C check (damaged or truncated)");
  }
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
      return dataCorrupt(where + ": tensor \"" + name + "\" has a corrupt header");
    Dims dims(rank);
    for (auto& d : dims) LOOM_RETURN_IF_ERROR(r.get(d));
    std::uint64_t bytes = 0;
    LOOM_RETURN_IF_ERROR(r.get(bytes));
    for (auto d : dims)
      if (d < 0 || static_cast<std::uint64_t>(d) > file.size())
        return dataCorrupt(where + ": tensor \"" + name + "\" has corrupt dims");
    if (bytes > file.size() - r.pos()) return dataCorrupt(where + ": tensor \"" + name + "\" is truncated");
    Tensor t(dims, static_cast<DType>(dtype));
    if (bytes != t.bytes()) return dataCorrupt(where + ": tensor \"" + name + "\" has a corrupt size");
    LOOM_RETURN_IF_ERROR(r.bytes(t.raw(), t.bytes()));
    std::uint32_t crc = 0;
    LOOM_RETURN_IF_ERROR(r.get(crc));
    if (crc != crc32c(t.raw(), t.bytes()))
      return dataCorrupt(where + ": tensor \"" + name + "\" fails its CRC-32C check");
    data.tensors.emplace_back(std::move(name), std::move(t));
  }
  if (r.pos() + 4 != file.size())
    return dataCorrupt(where + " has " + std::to_string(file.size() - r.pos()) + " unexpected trailing bytes");
  return data;
}

}  // namespace loom
