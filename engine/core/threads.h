// Compute threads. oneDNN here runs on OpenMP, so the OpenMP team size is the one knob:
// nothing else in the engine spins compute threads beside it.
//
// One meaning of a thread setting everywhere (TrainingConfig.threads, `loom train
// --threads`, `loom eval --threads`, the studio's Training Settings dialog):
//   0          every core this process may run on (availableCores());
//   1 .. 1024  exactly that many threads (more than the cores is allowed, rarely useful);
// Values outside [0, kMaxComputeThreads] are clamped into it here; the training-settings
// validator refuses them earlier with the setting's name.
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

/// The team size a setting means: 0 (and below) every available core, n in
/// [1, kMaxComputeThreads] n, above that kMaxComputeThreads.
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
