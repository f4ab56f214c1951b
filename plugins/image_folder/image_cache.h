// The cache of decoded images: one file per (image folder split, pixel options), so a second
// run skips decoding and resizing.
//
// Where: cacheDirectory(options) — $XDG_CACHE_HOME/loom/image_folder, by default
// ~/.cache/loom/image_folder, or the `cache_dir` option. Safe to delete at any time.
//
// Key: the text of cacheKeyText() — format version, pixel options (size, channels,
// interpolation), class names, and for every file its path, label, size and modification
// time. Any change to these (a file added, removed, renamed, rewritten or touched, another
// image_size) gives another key, so the stale entry is not used; it is replaced on the next
// write. The whole key is stored in the file and compared, so a hash collision cannot serve
// wrong pixels. The pixels carry a CRC-32C; a damaged file is ignored and rewritten.
//
// File: "LOOMIMGC", u32 format version, u64 key length, key, u64 N, C, H, W, the U8 pixels
// [N, C, H, W], u32 CRC-32C of the pixels (little-endian).
#pragma once

#include <optional>
#include <string>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "plugins/image_folder/image_folder_options.h"
#include "plugins/image_folder/image_folder_scan.h"

namespace loom::image_folder {

/// The cache key of `listing` decoded with `options` (see above).
std::string cacheKeyText(const FolderListing& listing, const ImageFolderOptions& options);

/// The cache file for `listing` in `dir`: <dir>/<hash of split dir and pixel options>-<hash
/// of key>.bin.
std::string cacheFilePath(const std::string& dir, const FolderListing& listing,
                          const ImageFolderOptions& options, const std::string& key);

/// The cached pixels, or nothing when the file is missing, stale (another key) or damaged.
std::optional<Tensor> readCachedImages(const std::string& path, const std::string& key);

/// Writes the pixels atomically (core/file_util.h) and removes the older entries of the
/// same split and options (same hash prefix). IoError names the path; the caller may
/// ignore it.
Status writeCachedImages(const std::string& path, const std::string& key, const Tensor& images);

}  // namespace loom::image_folder
