// Counter-based random numbers (Philox-4x32-10, Salmon et al., SC'11).
//
// Every random stream in Loom is a pure function of a key: (seed, purpose, epoch, step,
// node...). A resumed run therefore needs no hidden generator state: it rebuilds the same
// key and draws the same numbers (see docs/architecture.md, "Determinism").
#pragma once

#include <cstdint>
#include <initializer_list>

namespace loom {

/// Mixes a seed with any number of stream identifiers into one 64-bit key (SplitMix64 chain).
std::uint64_t rngKey(std::uint64_t seed, std::initializer_list<std::uint64_t> ids);

/// Stream purposes, used as the first id of rngKey so streams never collide.
enum class RngPurpose : std::uint64_t {
  Init = 1,
  Shuffle = 2,
  Dropout = 3,
  Augment = 4,
  Split = 5
};

class Philox {
 public:
  /// A stream for `key`, starting at element `offset` (elements are 32-bit words).
  explicit Philox(std::uint64_t key, std::uint64_t offset = 0);

  std::uint32_t nextU32();
  /// Uniform in [0, 1) with 24 bits of precision.
  float uniform();
  /// Standard normal (Box-Muller).
  float normal();
  /// Uniform integer in [0, n), unbiased.
  std::uint64_t below(std::uint64_t n);

 private:
  void refill();
  std::uint32_t m_key[2];
  std::uint64_t m_counter;
  std::uint32_t m_block[4];
  int m_index = 4;
  bool m_hasSpare = false;
  float m_spare = 0;
};

}  // namespace loom
