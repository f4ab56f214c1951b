// Parameter files: the trained values of a model in a binary file beside its `.loom` text.
//
// A trained CNN has millions of parameters; as protobuf text they made a 47 MB file that took
// seconds to parse. Since model format 3, saveModel() writes them to a sidecar in the model
// file's directory and the text keeps only a reference (`parameter_file { path bytes crc32c }`),
// so the text stays small, readable and diffable. Layout (docs/formats.md#parameter-files),
// little-endian:
//
//   "LOOMPRMS" | u32 format version (1) | u64 payload bytes | payload | u32 CRC-32C
//   payload  = loom.pb.ParameterSet in protobuf binary encoding (engine/proto/loom.proto)
//   CRC-32C  = of every byte before it; the text's `crc32c` repeats it
//
// The sidecar is named `<model file name>.<crc32c as 8 hex digits>.params`: content-addressed,
// so a save never overwrites the file the previous text still references. A crash between the
// two writes leaves the old pair intact; after the new text is in place the sidecar the old text
// referenced is removed (only that one, never by pattern).
//
// Reading trusts nothing: the reference must be a plain file name (no directory part, no
// symlink), the size and both checksums must agree, the version must be one this Loom reads,
// and every tensor's dims must match its values, before any parameter reaches the model.
#pragma once

#include <map>
#include <string>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/proto/loom.pb.h"

namespace loom {

/// Version of the sidecar layout above. Bump together with a reader for the old one.
inline constexpr std::uint32_t kParameterFileFormatVersion = 1;

/// An encoded sidecar: its bytes and the reference the model text records for it.
struct EncodedParameterFile {
  std::string bytes;
  pb::ParameterFile reference;  ///< path (the content-addressed name), bytes, crc32c
};

/// Encodes `parameters` (keyed "<node>.<param>", any layout; written plain, F32) for a model
/// saved at `modelPath`; the reference's path is a file name in the same directory.
EncodedParameterFile encodeParameterFile(const std::map<std::string, Tensor>& parameters,
                                         const std::string& modelPath);

/// Decodes sidecar bytes. `where` names the sidecar in messages; `expected` (may be null) is
/// the model text's reference, whose size and CRC must match. DataCorrupt on any damage,
/// Unsupported for a newer version.
Expected<std::map<std::string, Tensor>> decodeParameterFile(const std::string& bytes,
                                                            const std::string& where,
                                                            const pb::ParameterFile* expected);

/// Reads the sidecar `reference` points to, for the model file `modelPath`. Errors name both
/// files: NotFound when the sidecar is missing, InvalidArgument when the reference is not a
/// plain file name in the model's directory (`../x`, `/abs`, `sub/x`) or names a symlink.
Expected<std::map<std::string, Tensor>> readParameterFile(const pb::ParameterFile& reference,
                                                          const std::string& modelPath);

}  // namespace loom
