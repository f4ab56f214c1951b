#include "plugins/image_folder/image_cache.h"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "engine/core/crc32c.h"
#include "engine/core/file_util.h"

namespace loom::image_folder {

namespace {
namespace fs = std::filesystem;

constexpr char kMagic[8] = {'L', 'O', 'O', 'M', 'I', 'M', 'G', 'C'};
constexpr std::uint32_t kFormatVersion = 1;

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

template <class T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // little-endian hosts only (x86-64, aarch64)
  out.append(bytes, sizeof(T));
}

/// Reads a T at `pos` and advances; false when the file is too short.
template <class T>
bool get(const std::string& in, size_t& pos, T& value) {
  if (in.size() < pos + sizeof(T)) return false;
  std::memcpy(&value, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return true;
}

std::string entryPrefix(const FolderListing& listing, const ImageFolderOptions& options) {
  return hex(fnv1a(listing.splitDir + "\n" + pixelOptionsKey(options)));
}
}  // namespace

std::string cacheKeyText(const FolderListing& listing, const ImageFolderOptions& options) {
  std::string key = "loom image_folder cache " + std::to_string(kFormatVersion) + "\n";
  key += "pixels " + pixelOptionsKey(options) + "\n";
  key += "split " + listing.splitDir + "\n";
  for (const auto& name : listing.classNames) key += "class " + name + "\n";
  for (const auto& f : listing.files)
    key += std::to_string(f.label) + " " + std::to_string(f.bytes) + " " +
           std::to_string(f.mtimeNs) + " " + f.path + "\n";
  return key;
}

std::string cacheFilePath(const std::string& dir, const FolderListing& listing,
                          const ImageFolderOptions& options, const std::string& key) {
  return (fs::path(dir) / (entryPrefix(listing, options) + "-" + hex(fnv1a(key)) + ".bin"))
      .string();
}

std::optional<Tensor> readCachedImages(const std::string& path, const std::string& key) {
  auto file = readFile(path);
  if (!file) return std::nullopt;
  const std::string& in = *file;
  size_t pos = 0;
  if (in.size() < sizeof kMagic || std::memcmp(in.data(), kMagic, sizeof kMagic) != 0)
    return std::nullopt;
  pos = sizeof kMagic;
  std::uint32_t version = 0;
  std::uint64_t keyLength = 0;
  if (!get(in, pos, version) || version != kFormatVersion || !get(in, pos, keyLength))
    return std::nullopt;
  if (keyLength != key.size() || in.size() < pos + keyLength ||
      in.compare(pos, keyLength, key) != 0)
    return std::nullopt;
  pos += keyLength;
  std::uint64_t dims[4];
  for (auto& d : dims)
    if (!get(in, pos, d) || d == 0 || d > (1u << 30)) return std::nullopt;
  Tensor images(Dims{static_cast<std::int64_t>(dims[0]), static_cast<std::int64_t>(dims[1]),
                     static_cast<std::int64_t>(dims[2]), static_cast<std::int64_t>(dims[3])},
                DType::U8);
  std::uint32_t crc = 0;
  if (in.size() != pos + images.bytes() + sizeof crc) return std::nullopt;
  std::memcpy(images.raw(), in.data() + pos, images.bytes());
  pos += images.bytes();
  if (!get(in, pos, crc) || crc != crc32c(images.raw(), images.bytes())) return std::nullopt;
  return images;
}

Status writeCachedImages(const std::string& path, const std::string& key, const Tensor& images) {
  std::error_code ec;
  const fs::path dir = fs::path(path).parent_path();
  fs::create_directories(dir, ec);
  if (ec)
    return ioError("cannot create the image cache directory \"" + dir.string() +
                   "\": " + ec.message());
  std::string out(kMagic, sizeof kMagic);
  put(out, kFormatVersion);
  put(out, static_cast<std::uint64_t>(key.size()));
  out += key;
  for (int i = 0; i < 4; ++i) put(out, static_cast<std::uint64_t>(images.dim(i)));
  out.append(static_cast<const char*>(images.raw()), images.bytes());
  put(out, crc32c(images.raw(), images.bytes()));
  LOOM_RETURN_IF_ERROR(writeFileAtomically(path, out));
  // Older entries of the same split and options can never match again: their files changed.
  const std::string prefix = fs::path(path).filename().string().substr(0, 17);  // "<16 hex>-"
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code ignored;
    if (name.rfind(prefix, 0) == 0 && it->path() != fs::path(path)) fs::remove(it->path(), ignored);
  }
  return Status::ok();
}

}  // namespace loom::image_folder
