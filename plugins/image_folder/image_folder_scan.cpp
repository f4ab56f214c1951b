#include "plugins/image_folder/image_folder_scan.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace loom::image_folder {

namespace {
namespace fs = std::filesystem;

const char* kExtensions = ".png, .jpg, .jpeg or .bmp";

std::string inQuotes(const std::string& s) {
  return "\"" + s + "\"";
}

Expected<std::vector<std::string>> classFolders(const fs::path& splitDir) {
  std::error_code ec;
  if (!fs::is_directory(splitDir, ec))
    return notFound("image folder " + inQuotes(splitDir.parent_path().string()) + " has no " +
                    splitDir.filename().string() +
                    "/ folder (expected <root>/train/<class>/<image> and "
                    "<root>/test/<class>/<image>)");
  std::vector<std::string> names;
  for (fs::directory_iterator it(splitDir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code ignored;
    if (name.front() != '.' && it->is_directory(ignored)) names.push_back(name);
  }
  if (ec) return ioError("cannot list " + inQuotes(splitDir.string()) + ": " + ec.message());
  if (names.empty())
    return dataCorrupt("image folder " + inQuotes(splitDir.string()) +
                       " has no class folders (expected one folder of images per class)");
  std::sort(names.begin(), names.end());
  return names;
}

Status compareClasses(const std::vector<std::string>& mine, const fs::path& myDir,
                      const std::vector<std::string>& other, const fs::path& otherDir) {
  for (const auto& name : mine)
    if (!std::binary_search(other.begin(), other.end(), name))
      return dataCorrupt("class " + inQuotes(name) + " is in " + inQuotes(myDir.string()) +
                         " but not in " + inQuotes(otherDir.string()) +
                         "; train/ and test/ need the same class folders");
  return Status::ok();
}

Status listClass(const fs::path& dir, std::int64_t label, FolderListing& listing) {
  std::error_code ec;
  std::int64_t images = 0, skipped = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !isImageFileName(name)) {
      ++skipped;
      continue;
    }
    const std::int64_t mtime =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    listing.files.push_back(
        {it->path().string(), name, label, static_cast<std::int64_t>(st.st_size), mtime});
    ++images;
  }
  if (ec) return ioError("cannot list " + inQuotes(dir.string()) + ": " + ec.message());
  if (images == 0)
    return dataCorrupt("class folder " + inQuotes(dir.string()) + " has no images (" + kExtensions +
                       "); " + std::to_string(skipped) + " other entries skipped");
  listing.skippedFiles += skipped;
  return Status::ok();
}
}  // namespace

bool isImageFileName(const std::string& name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return false;
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "bmp";
}

Expected<FolderListing> listImageFolder(const std::string& root, Split split) {
  std::error_code ec;
  if (root.empty())
    return invalidArgument(
        "dataset.path is empty: set it to the image folder (the folder holding train/ and test/)");
  if (!fs::is_directory(root, ec))
    return notFound("image folder " + inQuotes(root) + " does not exist or is not a directory");
  // Absolute, so the cache key does not depend on the working directory.
  const fs::path base = fs::absolute(root, ec).lexically_normal();
  const fs::path mine = base / splitName(split);
  const fs::path other = base / splitName(split == Split::Train ? Split::Test : Split::Train);
  FolderListing listing;
  listing.splitDir = mine.string();
  LOOM_ASSIGN_OR_RETURN(listing.classNames, classFolders(mine));
  LOOM_ASSIGN_OR_RETURN(std::vector<std::string> otherClasses, classFolders(other));
  LOOM_RETURN_IF_ERROR(compareClasses(listing.classNames, mine, otherClasses, other));
  LOOM_RETURN_IF_ERROR(compareClasses(otherClasses, other, listing.classNames, mine));
  for (size_t label = 0; label < listing.classNames.size(); ++label)
    LOOM_RETURN_IF_ERROR(
        listClass(mine / listing.classNames[label], static_cast<std::int64_t>(label), listing));
  std::sort(listing.files.begin(), listing.files.end(), [](const ImageFile& a, const ImageFile& b) {
    return a.name != b.name ? a.name < b.name : a.label < b.label;
  });
  return listing;
}

}  // namespace loom::image_folder
