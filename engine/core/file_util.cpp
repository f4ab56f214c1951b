#include "engine/core/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace loom {

namespace {
const char* fileKind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

Status statError(const std::string& what, const std::string& path, int err) {
  if (err == ENOENT) return notFound("cannot open " + what + " \"" + path + "\": no such file");
  if (err == ELOOP)
    return ioError("cannot open " + what + " \"" + path + "\": it is a symlink loop");
  return ioError("cannot open " + what + " \"" + path + "\": " + std::strerror(err));
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

Status checkRegularFile(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return statError(what, path, errno);
  if (!S_ISREG(st.st_mode))
    return ioError("cannot read " + what + " \"" + path + "\": it is " + fileKind(st.st_mode));
  return Status::ok();
}

Expected<std::string> readFile(const std::string& path, std::size_t maxBytes) {
  // O_NONBLOCK: opening a FIFO with no writer must not wait; the type is checked right after.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return statError("file", path, errno);
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return ioError("cannot stat \"" + path + "\": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return ioError("cannot read \"" + path + "\": it is " + fileKind(st.st_mode));
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > maxBytes)
    return ioError("cannot read \"" + path + "\": it has " + std::to_string(size) +
                   " bytes, more than the " + std::to_string(maxBytes) + " this reader accepts");
  std::string bytes;
  bytes.resize(size);
  std::size_t done = 0;
  for (;;) {
    if (done == bytes.size()) {
      // The file may have grown since fstat: read on in small steps, up to the bound.
      if (bytes.size() >= maxBytes) {
        char probe = 0;
        ssize_t more = 0;
        do more = ::read(fd, &probe, 1);
        while (more < 0 && errno == EINTR);
        if (more == 0) break;  // exactly at the bound, and at the end
        return ioError("cannot read \"" + path + "\": it grew past " + std::to_string(maxBytes) +
                       " bytes while being read");
      }
      bytes.resize(std::min(maxBytes, bytes.size() + (std::size_t{1} << 16)));
    }
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("cannot read \"" + path + "\": " + std::strerror(errno));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

Status writeFileAtomically(const std::string& path, const std::string& bytes) {
  namespace fs = std::filesystem;
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("cannot create \"" + tmp + "\": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return ioError("cannot write \"" + tmp + "\": " + err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return ioError("cannot flush \"" + tmp + "\": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return ioError("cannot rename \"" + tmp + "\" to \"" + path + "\": " + err);
  }
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

}  // namespace loom
