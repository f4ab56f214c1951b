// Fuzz target: the projector directory reader (engine/embed/projector.h). Each input is fed
// to the config, tensor-TSV, metadata-TSV and PNG-header parsers, and then read as the
// projector_config.pbtxt of a private directory that holds a small valid tensor, metadata and
// sprite header, so paths, shapes and cross-file checks are exercised too.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "engine/embed/projector.h"

namespace {

const std::string& projectorDir() {
  static const std::string dir = [] {
    const std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    const std::string d = base + "/loom-fuzz-projector-" + std::to_string(getpid());
    std::filesystem::create_directories(d + "/sub");
    std::ofstream(d + "/t.tsv") << "1\t2\n3\t4\n5\t6\n";
    std::ofstream(d + "/m.tsv") << "a\tb\n1\t2\n3\t4\n5\t6\n";
    std::ofstream(d + "/sub/l.tsv") << "x\ny\nz\n";
    std::ofstream(d + "/t.bytes", std::ios::binary)
        << std::string("\x00\x00\x80\xbf\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40", 16);
    std::ofstream(d + "/s.png", std::ios::binary)
        << std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x38\0\0\0\x38\x08\x02\0\0\0", 29);
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)loom::embed::parseProjectorConfig(text, "fuzz.pbtxt");
  (void)loom::embed::parseTensorTsv(text, "fuzz.tsv");
  if (auto m = loom::embed::parseMetadataTsv(text, "fuzz-metadata.tsv"); m.hasValue())
    (void)loom::embed::formatMetadataTsv(*m);
  (void)loom::embed::pngSize(text, "fuzz.png");
  const std::string& dir = projectorDir();
  std::ofstream(dir + "/" + loom::embed::kProjectorConfigFile, std::ios::binary | std::ios::trunc)
      .write(text.data(), static_cast<std::streamsize>(text.size()));
  (void)loom::embed::readProjector(dir);
  return 0;
}
