#include "engine/data/dataset.h"

#include <sys/stat.h>

#include "engine/core/file_util.h"
#include "engine/data/idx.h"

namespace loom {

std::int64_t Dataset::sampleElements() const {
  if (images.empty() || images.rank() == 0 || images.dim(0) == 0) return 0;
  return images.numel() / images.dim(0);
}

Status validateDataset(const Dataset& dataset) {
  const std::string where = "dataset \"" + dataset.source + "\"";
  if (dataset.images.empty() || dataset.labels.empty())
    return invalidArgument(where + " has no samples or no labels");
  const Tensor& x = dataset.images;
  const Tensor& y = dataset.labels;
  if (x.rank() != 4 && x.rank() != 2)
    return invalidArgument(where + ": samples must be [N, C, H, W] or [N, F], got " +
                           dimsToString(x.dims()));
  if (x.dtype() == DType::I64 || (x.dtype() == DType::U8 && x.rank() != 4))
    return invalidArgument(where + ": samples must be U8 images or F32, got " +
                           std::string(dtypeName(x.dtype())) + " " + dimsToString(x.dims()));
  if (x.layout() != Layout::Plain)
    return invalidArgument(where + ": samples must be in Plain layout");
  if (y.dtype() != DType::I64 || y.rank() != 1)
    return invalidArgument(where + ": labels must be I64 [N], got " +
                           std::string(dtypeName(y.dtype())) + " " + dimsToString(y.dims()));
  if (x.dim(0) != y.dim(0))
    return dataCorrupt(where + " has " + std::to_string(x.dim(0)) + " samples but " +
                       std::to_string(y.dim(0)) + " labels");
  const auto classes = static_cast<std::int64_t>(dataset.classNames.size());
  const std::int64_t* labels = y.data<std::int64_t>();
  for (std::int64_t i = 0; i < y.dim(0); ++i)
    if (labels[i] < 0 || labels[i] >= classes)
      return dataCorrupt(where + ": label of sample " + std::to_string(i) + " is " +
                         std::to_string(labels[i]) + ", outside [0, " + std::to_string(classes) +
                         ")");
  return Status::ok();
}

const char* splitName(Split split) {
  switch (split) {
    case Split::Train:
      return "train";
    case Split::Test:
      return "test";
  }
  return "?";
}

const std::vector<std::string>& fashionMnistClassNames() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                 "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

namespace {

const char* kInstallHint =
    "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)";

// The .gz name Debian ships, or the uncompressed one if only that exists. A path that
// exists but is no regular file (a directory, a FIFO, a symlink loop) is named as such.
Expected<std::string> locate(const std::string& dir, const std::string& stem) {
  const std::string gz = dir + "/" + stem + ".gz";
  const std::string raw = dir + "/" + stem;
  for (const std::string& path : {gz, raw}) {
    Status st = checkRegularFile(path, "Fashion-MNIST file");
    if (st.isOk()) return path;
    if (st.code() != ErrorCode::NotFound) return st;
  }
  return notFound("Fashion-MNIST file \"" + gz + "\" does not exist; " + kInstallHint);
}

}  // namespace

Expected<Dataset> loadFashionMnist(const std::string& dirArg, Split split) {
  const std::string dir = dirArg.empty() ? kFashionMnistDir : dirArg;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return notFound("Fashion-MNIST directory \"" + dir + "\" does not exist; " + kInstallHint);
  if (!S_ISDIR(st.st_mode))
    return invalidArgument("the Fashion-MNIST path \"" + dir +
                           "\" is not a directory; dataset.path names the directory " +
                           "that holds the {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz files");
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  LOOM_ASSIGN_OR_RETURN(const std::string imagesPath, locate(dir, prefix + "-images-idx3-ubyte"));
  LOOM_ASSIGN_OR_RETURN(const std::string labelsPath, locate(dir, prefix + "-labels-idx1-ubyte"));
  LOOM_ASSIGN_OR_RETURN(Tensor images, readIdx(imagesPath));
  LOOM_ASSIGN_OR_RETURN(Tensor labels, readIdx(labelsPath));

  if (images.dtype() != DType::U8 || images.rank() != 3)
    return dataCorrupt("Fashion-MNIST images \"" + imagesPath + "\" must be uint8 [N, H, W], got " +
                       std::string(dtypeName(images.dtype())) + " " + dimsToString(images.dims()));
  if (labels.dtype() != DType::U8 || labels.rank() != 1)
    return dataCorrupt("Fashion-MNIST labels \"" + labelsPath + "\" must be uint8 [N], got " +
                       std::string(dtypeName(labels.dtype())) + " " + dimsToString(labels.dims()));
  if (images.dim(0) != labels.dim(0))
    return dataCorrupt("Fashion-MNIST " + std::string(splitName(split)) + " split in \"" + dir +
                       "\" has " + std::to_string(images.dim(0)) + " images (" + imagesPath +
                       ") but " + std::to_string(labels.dim(0)) + " labels (" + labelsPath + ")");

  Dataset ds;
  ds.images = images.reshaped({images.dim(0), 1, images.dim(1), images.dim(2)});
  ds.labels = Tensor({labels.dim(0)}, DType::I64);
  const auto* src = labels.data<std::uint8_t>();
  auto* dst = ds.labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.dim(0); ++i) dst[i] = src[i];
  ds.classNames = fashionMnistClassNames();
  ds.source = dir + " (" + splitName(split) + ")";
  LOOM_RETURN_IF_ERROR(validateDataset(ds));
  return ds;
}

}  // namespace loom
