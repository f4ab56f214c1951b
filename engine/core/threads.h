// Compute threads. oneDNN here runs on OpenMP, so the OpenMP team size is the one knob:
// nothing else in the engine spins compute threads beside it.
//
// One meaning of a thread setting everywhere (TrainingConfig.threads, `loom train
// --threads`, `loom eval --threads`, the studio's Training Settings dialog):
//   0          the cores this process may run on that other processes leave idle
//              (idleCores(), measured when the setting is resolved; at least 1);
//   1 .. 1024  exactly that many threads (more than the cores is allowed, rarely useful);
// Values outside [0, kMaxComputeThreads] are clamped into it here; the training-settings
// validator refuses them earlier with the setting's name.
//
// Why 0 is not simply every core: OpenMP's teams split each kernel evenly and wait for the
// slowest thread at its end, so a team thread that shares a core with another busy process
// holds the whole team back. On 2 cores with a busy loop on one, a team of 2 trained the CNN
// at 1,175 samples/s against 3,759 without the loop, 3.2x slower; a team of 1 on the idle
// core kept 2,072 (docs/backend-cpu.md, "Threads under load"). The count is taken once per
// resolution, so a run keeps one team size (results depend on it; run.json records it).
//
// OpenMP keeps the team size per thread (its nthreads ICV): setting it on a training thread
// does not change the GUI thread's, so a CPU preview can run beside a training run.
#pragma once

namespace loom {

/// The largest team a setting may ask for (OpenMP allocates per-thread state up front:
/// an unbounded value exhausts memory before the first parallel region).
inline constexpr int kMaxComputeThreads = 1024;

/// Cores this process may run on (OpenMP's omp_get_num_procs, which honours the CPU
/// affinity mask, e.g. `taskset` or a cgroup cpuset).
int availableCores();

/// Cores of availableCores() that other processes do not keep busy: a core counts as busy
/// when it was at least half busy (user, system, irq, steal) over a 60 ms sample of
/// /proc/stat taken while this thread sleeps. At least 1; availableCores() when /proc/stat
/// cannot be read. A sample younger than 10 s is reused (a command resolves its setting
/// more than once while starting), so a call costs 60 ms at most once in 10 s.
int idleCores();
/// The same, sampled now (60 ms) without the reuse.
int sampleIdleCores();

/// The team size a setting means: 0 (and below) idleCores(), n in [1, kMaxComputeThreads]
/// n, above that kMaxComputeThreads.
int resolveComputeThreads(int setting);

/// Sets the calling thread's compute team to resolveComputeThreads(setting) for the
/// parallel regions it starts from now on (oneDNN's and the engine's).
void setComputeThreads(int setting);

/// The calling thread's current compute team size.
int computeThreads();

/// Sets the calling thread's team for a scope and restores the previous size at its end,
/// for library calls (evaluation) that must honour a model's setting without changing
/// the caller's.
class ScopedComputeThreads {
 public:
  explicit ScopedComputeThreads(int setting);
  ~ScopedComputeThreads();
  ScopedComputeThreads(const ScopedComputeThreads&) = delete;
  ScopedComputeThreads& operator=(const ScopedComputeThreads&) = delete;

 private:
  int m_previous;
};

}  // namespace loom
