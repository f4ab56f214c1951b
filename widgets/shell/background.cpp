#include "widgets/shell/background.h"

#include <QThread>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#endif

namespace loom::studio {

Q_GLOBAL_STATIC(QThreadPool, g_backgroundPool)

QThreadPool* backgroundPool() {
  return g_backgroundPool();
}

void lowerCurrentThreadPriority() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
#ifdef __linux__
  // On Linux, PRIO_PROCESS with a thread id changes that thread only (setpriority(2), BUGS).
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0) ::setpriority(PRIO_PROCESS, tid, now + kBackgroundNice);
#endif
}

}  // namespace loom::studio
