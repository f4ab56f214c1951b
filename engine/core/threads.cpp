#include "engine/core/threads.h"

#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace loom {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kIdleSample = std::chrono::milliseconds(60);
constexpr auto kIdleSampleReuse = std::chrono::seconds(10);
constexpr double kBusyFraction = 0.5;

/// Busy and total jiffies of one CPU, from a "cpuN user nice system idle iowait ..." line.
struct CpuTimes {
  int cpu = -1;
  long long busy = 0, total = 0;
};

std::vector<CpuTimes> readCpuTimes() {
  std::vector<CpuTimes> out;
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("cpu", 0) != 0 || line.size() < 4 || line[3] < '0' || line[3] > '9') continue;
    std::istringstream fields(line.substr(3));
    CpuTimes t;
    fields >> t.cpu;
    long long v = 0;
    for (int i = 0; fields >> v && i < 8; ++i) {  // guest times are already in user
      t.total += v;
      if (i != 3 && i != 4) t.busy += v;  // 3 idle, 4 iowait
    }
    out.push_back(t);
  }
  return out;
}

/// Cores in this process' affinity mask that were mostly busy between two samples.
int busyCores(const std::vector<CpuTimes>& before, const std::vector<CpuTimes>& after) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  const bool haveMask = sched_getaffinity(0, sizeof(mask), &mask) == 0;
  int busy = 0;
  for (const CpuTimes& a : after)
    for (const CpuTimes& b : before) {
      if (a.cpu != b.cpu || (haveMask && !CPU_ISSET(a.cpu, &mask))) continue;
      const long long total = a.total - b.total;
      if (total > 0 && static_cast<double>(a.busy - b.busy) >= kBusyFraction * total) ++busy;
    }
  return busy;
}

}  // namespace

int sampleIdleCores() {
  const int cores = availableCores();
  const auto before = readCpuTimes();
  if (before.empty()) return cores;
  std::this_thread::sleep_for(kIdleSample);
  return std::max(1, cores - busyCores(before, readCpuTimes()));
}

int availableCores() {
  return std::max(1, omp_get_num_procs());
}

int idleCores() {
  static std::mutex mutex;
  static Clock::time_point measuredAt;
  static int idle = 0;
  std::lock_guard lock(mutex);
  const auto now = Clock::now();
  if (idle == 0 || now - measuredAt > kIdleSampleReuse) {
    idle = sampleIdleCores();
    measuredAt = Clock::now();
  }
  return idle;
}

int resolveComputeThreads(int setting) {
  if (setting <= 0) return idleCores();
  return std::min(setting, kMaxComputeThreads);
}

void setComputeThreads(int setting) {
  omp_set_num_threads(resolveComputeThreads(setting));
}

int computeThreads() {
  return omp_get_max_threads();
}

ScopedComputeThreads::ScopedComputeThreads(int setting) : m_previous(computeThreads()) {
  setComputeThreads(setting);
}

ScopedComputeThreads::~ScopedComputeThreads() {
  omp_set_num_threads(m_previous);
}

}  // namespace loom
