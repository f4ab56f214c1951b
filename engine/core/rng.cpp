#include "engine/core/rng.h"

#include <cmath>

namespace loom {

namespace {
std::uint64_t splitMix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
}  // namespace

std::uint64_t rngKey(std::uint64_t seed, std::initializer_list<std::uint64_t> ids) {
  std::uint64_t k = splitMix(seed);
  for (auto id : ids) k = splitMix(k ^ splitMix(id + 0x632BE59BD9B4E019ull));
  return k;
}

Philox::Philox(std::uint64_t key, std::uint64_t offset)
    : m_key{static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)},
      m_counter(offset / 4) {
  refill();
  m_index = static_cast<int>(offset % 4);
}

void Philox::refill() {
  std::uint32_t c0 = static_cast<std::uint32_t>(m_counter),
                c1 = static_cast<std::uint32_t>(m_counter >> 32);
  std::uint32_t c2 = 0, c3 = 0, k0 = m_key[0], k1 = m_key[1];
  for (int round = 0; round < 10; ++round) {
    std::uint64_t p0 = 0xD2511F53ull * c0, p1 = 0xCD9E8D57ull * c2;
    std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
    std::uint32_t n1 = static_cast<std::uint32_t>(p1);
    std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
    std::uint32_t n3 = static_cast<std::uint32_t>(p0);
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  m_block[0] = c0;
  m_block[1] = c1;
  m_block[2] = c2;
  m_block[3] = c3;
  ++m_counter;
  m_index = 0;
}

std::uint32_t Philox::nextU32() {
  if (m_index == 4) refill();
  return m_block[m_index++];
}

float Philox::uniform() {
  return static_cast<float>(nextU32() >> 8) * (1.0f / 16777216.0f);
}

float Philox::normal() {
  if (m_hasSpare) {
    m_hasSpare = false;
    return m_spare;
  }
  float u1 = 0;
  do u1 = uniform();
  while (u1 <= 0.0f);
  float u2 = uniform();
  float r = std::sqrt(-2.0f * std::log(u1));
  m_spare = r * std::sin(6.28318530718f * u2);
  m_hasSpare = true;
  return r * std::cos(6.28318530718f * u2);
}

std::uint64_t Philox::below(std::uint64_t n) {
  if (n <= 1) return 0;
  std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    std::uint64_t x = (static_cast<std::uint64_t>(nextU32()) << 32) | nextU32();
    if (x < limit) return x % n;
  }
}

}  // namespace loom
