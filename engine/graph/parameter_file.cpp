#include "engine/graph/parameter_file.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "engine/core/crc32c.h"
#include "engine/core/file_util.h"
#include "engine/core/utf8.h"

namespace loom {

namespace {
constexpr char kMagic[8] = {'L', 'O', 'O', 'M', 'P', 'R', 'M', 'S'};
constexpr std::size_t kHeaderBytes = sizeof kMagic + 4 + 8;  // magic, version, payload size
constexpr std::size_t kTrailerBytes = 4;                     // CRC-32C

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

template <class T>
void append(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class T>
T load(const std::string& bytes, std::size_t at) {
  T v;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

// A reference must name a file directly in the model's directory: this is what keeps a
// hostile model text from reading anything outside it.
Status checkPlainName(const std::string& name, const std::string& modelPath) {
  const std::string where = modelPath + ": parameter_file.path \"" + printable(name) + "\"";
  if (name.empty()) return Status(ErrorCode::InvalidArgument, where + " is empty");
  if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos)
    return Status(ErrorCode::InvalidArgument,
                  where +
                      " has a directory part: a parameter file must lie beside the model "
                      "file, named without a path");
  if (name == "." || name == ".." || name.find('\0') != std::string::npos)
    return Status(ErrorCode::InvalidArgument, where + " is not a file name");
  return Status::ok();
}

Expected<Tensor> tensorFromProto(const pb::TensorData& t, const std::string& where) {
  Dims dims(t.dims().begin(), t.dims().end());
  const auto elements = checkedNumElements(dims);
  if (!elements || *elements != t.values_size())
    return dataCorrupt(where + ": parameter \"" + printable(t.name()) + "\" has dims " +
                       dimsToString(dims) + " but " + std::to_string(t.values_size()) + " values");
  Tensor tensor(dims);
  if (t.values_size() > 0)
    std::memcpy(tensor.f32(), t.values().data(), sizeof(float) * t.values_size());
  return tensor;
}
}  // namespace

EncodedParameterFile encodeParameterFile(const std::map<std::string, Tensor>& parameters,
                                         const std::string& modelPath) {
  pb::ParameterSet set;
  for (const auto& [name, t] : parameters) {
    auto* pt = set.add_parameter();
    pt->set_name(name);
    for (auto d : t.dims()) pt->add_dims(d);
    const Tensor plain = t.toLayout(Layout::Plain);
    pt->mutable_values()->Add(plain.f32(), plain.f32() + plain.numel());
  }
  const std::string payload = set.SerializeAsString();
  EncodedParameterFile file;
  file.bytes.reserve(kHeaderBytes + payload.size() + kTrailerBytes);
  file.bytes.append(kMagic, sizeof kMagic);
  append(file.bytes, kParameterFileFormatVersion);
  append(file.bytes, static_cast<std::uint64_t>(payload.size()));
  file.bytes.append(payload);
  const std::uint32_t crc = crc32c(file.bytes.data(), file.bytes.size());
  append(file.bytes, crc);
  const std::string modelName = std::filesystem::path(modelPath).filename().string();
  file.reference.set_path(modelName + "." + hex8(crc) + ".params");
  file.reference.set_bytes(file.bytes.size());
  file.reference.set_crc32c(crc);
  return file;
}

Expected<std::map<std::string, Tensor>> decodeParameterFile(const std::string& bytes,
                                                            const std::string& where,
                                                            const pb::ParameterFile* expected) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return dataCorrupt(where + " is not a Loom parameter file (bad magic)");
  if (bytes.size() < kHeaderBytes + kTrailerBytes)
    return dataCorrupt(where + " is truncated: " + std::to_string(bytes.size()) +
                       " bytes, not even a header");
  if (expected && expected->bytes() != bytes.size())
    return dataCorrupt(where + " has " + std::to_string(bytes.size()) +
                       " bytes, the model file says " + std::to_string(expected->bytes()) +
                       " (truncated, or not the file this model was saved with)");
  // The digest is checked before any other field is believed.
  const std::uint32_t stored = load<std::uint32_t>(bytes, bytes.size() - kTrailerBytes);
  const std::uint32_t actual = crc32c(bytes.data(), bytes.size() - kTrailerBytes);
  if (stored != actual)
    return dataCorrupt(where + " fails its CRC-32C check (stored " + hex8(stored) + ", computed " +
                       hex8(actual) + "): the file is damaged");
  if (expected && expected->crc32c() != stored)
    return Status(ErrorCode::ModelMismatch,
                  where + " is intact but is not the file this model was saved with (CRC-32C " +
                      hex8(stored) + ", the model file says " + hex8(expected->crc32c()) + ")");
  const auto version = load<std::uint32_t>(bytes, sizeof kMagic);
  if (version > kParameterFileFormatVersion)
    return unsupported(where + " has format version " + std::to_string(version) +
                       ", newer than this Loom reads (" +
                       std::to_string(kParameterFileFormatVersion) + "); update Loom");
  const auto payloadBytes = load<std::uint64_t>(bytes, sizeof kMagic + 4);
  if (payloadBytes != bytes.size() - kHeaderBytes - kTrailerBytes)
    return dataCorrupt(where + " claims a " + std::to_string(payloadBytes) + "-byte payload in a " +
                       std::to_string(bytes.size()) + "-byte file");
  // Protobuf's binary parser takes an int size; a payload this large is refused here.
  if (payloadBytes > static_cast<std::uint64_t>(INT32_MAX))
    return unsupported(where + ": parameter payloads above 2 GiB are not supported");
  pb::ParameterSet set;
  if (!set.ParseFromArray(bytes.data() + kHeaderBytes, static_cast<int>(payloadBytes)))
    return dataCorrupt(where + ": the payload is not a valid parameter set");
  std::map<std::string, Tensor> parameters;
  for (const auto& t : set.parameter()) {
    if (auto bad = firstInvalidUtf8(t.name()))
      return dataCorrupt(where + ": a parameter name is not valid UTF-8 (byte " +
                         std::to_string(*bad) + ")");
    if (parameters.count(t.name()))
      return dataCorrupt(where + ": parameter \"" + t.name() + "\" appears twice");
    LOOM_ASSIGN_OR_RETURN(Tensor tensor, tensorFromProto(t, where));
    parameters.emplace(t.name(), std::move(tensor));
  }
  return parameters;
}

Expected<std::map<std::string, Tensor>> readParameterFile(const pb::ParameterFile& reference,
                                                          const std::string& modelPath) {
  LOOM_RETURN_IF_ERROR(checkPlainName(reference.path(), modelPath));
  const std::filesystem::path sidecar =
      std::filesystem::path(modelPath).parent_path() / reference.path();
  const std::string where = "parameter file \"" + sidecar.string() + "\" (of " + modelPath + ")";
  struct stat st {};
  if (::lstat(sidecar.c_str(), &st) != 0)
    return notFound(where +
                    " does not exist: a model file and its .params file travel "
                    "together");
  if (S_ISLNK(st.st_mode))
    return Status(ErrorCode::InvalidArgument,
                  where +
                      " is a symbolic link; parameter files are read only as regular files "
                      "beside the model");
  if (static_cast<std::uint64_t>(st.st_size) != reference.bytes())
    return dataCorrupt(where + " has " + std::to_string(st.st_size) +
                       " bytes, the model file says " + std::to_string(reference.bytes()) +
                       " (truncated, or not the file this model was saved with)");
  LOOM_ASSIGN_OR_RETURN(std::string bytes, readFile(sidecar.string()));
  return decodeParameterFile(bytes, where, &reference);
}

}  // namespace loom
