// Listing an image folder: which classes it has and which image files, in which order.
//
// Layout: <root>/train/<class>/<image> and <root>/test/<class>/<image>.
//  * Classes are the sub-folders of a split, sorted by name (byte order); the label of a
//    class is its index in that order. train/ and test/ must hold the same class folders.
//  * Images are the files whose extension is .png, .jpg, .jpeg or .bmp (any case). Other
//    files (README.txt, .DS_Store, Thumbs.db, ...) and nested folders are skipped; a class
//    folder without any image is an error. Hidden folders (".git") are not classes.
//  * Samples are ordered by file name across all classes (ties by class order), so naming
//    files by a running number gives the order of the original data set; the order does
//    not depend on the file system.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/data/dataset.h"

namespace loom::image_folder {

struct ImageFile {
  std::string path;          ///< the file, as <root>/<split>/<class>/<name>
  std::string name;          ///< file name, the sort key
  std::int64_t label = 0;    ///< index into FolderListing::classNames
  std::int64_t bytes = 0;    ///< file size
  std::int64_t mtimeNs = 0;  ///< modification time, nanoseconds since the epoch
};

struct FolderListing {
  std::string splitDir;                 ///< <root>/<split>
  std::vector<std::string> classNames;  ///< sorted folder names
  std::vector<ImageFile> files;         ///< in sample order
  std::int64_t skippedFiles = 0;        ///< non-image files left out
};

/// True for the extensions listed above.
bool isImageFileName(const std::string& name);

/// Lists `split` of the image folder at `root` and checks that the other split has the same
/// classes. NotFound names a missing folder; DataCorrupt names a class present in one split
/// only, a split without class folders, or a class folder without images.
Expected<FolderListing> listImageFolder(const std::string& root, Split split);

}  // namespace loom::image_folder
