// A main() for fuzz targets in ordinary builds: runs LLVMFuzzerTestOneInput on every file of
// the directories (or files) given, so the committed corpus replays in ctest with gcc and no
// libFuzzer. Prints one line per directory and fails if there was nothing to replay.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<fs::path> files;
    if (fs::is_directory(argv[i])) {
      for (const auto& e : fs::directory_iterator(argv[i]))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.emplace_back(argv[i]);
    }
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
    std::printf("replayed %zu inputs from %s\n", files.size(), argv[i]);
  }
  if (replayed == 0) {
    std::fprintf(stderr, "no corpus inputs found: the corpus directory is empty or missing\n");
    return 1;
  }
  return 0;
}
