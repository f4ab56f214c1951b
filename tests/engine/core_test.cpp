// Core: tensors, layouts, CRC-32C known answers, counter-based RNG, Status.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <new>
#include <set>
#include <stdexcept>

#include "engine/core/crc32c.h"
#include "engine/core/exception_boundary.h"
#include "engine/core/rng.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"

using namespace loom;

TEST(ExceptionBoundary, TurnsWhatEscapesIntoAStatusThatSaysWhatWasBeingDone) {
  const Status oom = guarded("loading \"x.loom\"", []() -> Status { throw std::bad_alloc(); });
  EXPECT_EQ(oom.code(), ErrorCode::OutOfMemory);
  EXPECT_NE(oom.message().find("loading \"x.loom\": out of memory"), std::string::npos)
      << oom.message();
  EXPECT_NE(oom.message().find("LOOM_MEMORY_BUDGET"), std::string::npos);

  const Expected<int> thrown =
      guarded("parsing", []() -> Expected<int> { throw std::runtime_error("bad token 7"); });
  ASSERT_FALSE(thrown.hasValue());
  EXPECT_EQ(thrown.status().code(), ErrorCode::Internal);
  EXPECT_EQ(thrown.status().message(), "parsing: unexpected exception: bad token 7");

  const Expected<int> value = guarded("adding", []() -> Expected<int> { return 42; });
  ASSERT_TRUE(value.hasValue());
  EXPECT_EQ(*value, 42);
}

TEST(Crc32c, KnownAnswers) {
  // RFC 3720 B.4 test vectors.
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  unsigned char zeros[32] = {};
  EXPECT_EQ(crc32c(zeros, 32), 0x8A9136AAu);
  // Incremental == one shot.
  EXPECT_EQ(crc32c("6789", 4, crc32c("12345", 5)), 0xE3069283u);
  EXPECT_EQ(crc32cPortable("123456789", 9), 0xE3069283u);
}

TEST(Crc32c, HardwareAndPortablePathsAgree) {
  std::vector<unsigned char> bytes(1000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7 + 3);
  for (size_t n : {0, 1, 7, 8, 9, 63, 64, 1000})
    EXPECT_EQ(crc32c(bytes.data(), n, 0x1234u), crc32cPortable(bytes.data(), n, 0x1234u)) << n;
}

TEST(Tensor, AllocatesZeroedAndAligned) {
  Tensor t({2, 3, 4, 5});
  EXPECT_EQ(t.numel(), 120);
  EXPECT_EQ(t.bytes(), 480u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw()) % 64, 0u);
  for (int i = 0; i < 120; ++i) EXPECT_EQ(t.f32()[i], 0.0f);
}

TEST(Tensor, LayoutRoundTripMovesElements) {
  Tensor t({2, 3, 2, 2});
  for (int i = 0; i < 24; ++i) t.f32()[i] = static_cast<float>(i);
  Tensor nhwc = t.toLayout(Layout::NHWC);
  // Element (n=0, c=1, h=0, w=1) is at NCHW offset 5 and NHWC offset (0*2+1)*3+1 = 4.
  EXPECT_EQ(nhwc.f32()[4], 5.0f);
  Tensor back = nhwc.toLayout(Layout::Plain);
  EXPECT_EQ(std::memcmp(back.raw(), t.raw(), t.bytes()), 0);
  EXPECT_EQ(maxRelativeDifference(nhwc, t), 0.0);
}

TEST(Tensor, CloneIsDeepCopyIsShallow) {
  Tensor a({4});
  Tensor shallow = a;
  Tensor deep = a.clone();
  a.f32()[0] = 3;
  EXPECT_EQ(shallow.f32()[0], 3);
  EXPECT_EQ(deep.f32()[0], 0);
}

TEST(Philox, DeterministicPerKeyAndOffset) {
  Philox a(rngKey(7, {1, 2})), b(rngKey(7, {1, 2})), c(rngKey(7, {1, 3}));
  std::vector<std::uint32_t> xa, xb, xc;
  for (int i = 0; i < 10; ++i) {
    xa.push_back(a.nextU32());
    xb.push_back(b.nextU32());
    xc.push_back(c.nextU32());
  }
  EXPECT_EQ(xa, xb);
  EXPECT_NE(xa, xc);
  Philox skip(rngKey(7, {1, 2}), 5);
  EXPECT_EQ(skip.nextU32(), xa[5]);
}

TEST(Philox, UniformAndNormalMoments) {
  Philox r(123);
  double s = 0, s2 = 0, n = 0, n2 = 0;
  const int count = 200000;
  for (int i = 0; i < count; ++i) {
    double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    s += u;
    s2 += u * u;
    double g = r.normal();
    n += g;
    n2 += g * g;
  }
  EXPECT_NEAR(s / count, 0.5, 0.005);
  EXPECT_NEAR(s2 / count - 0.25, 1.0 / 12, 0.003);
  EXPECT_NEAR(n / count, 0.0, 0.01);
  EXPECT_NEAR(n2 / count, 1.0, 0.01);
}

TEST(Status, ContextAndExpected) {
  Status s = shapeMismatch("bad").withContext("node \"fc\"");
  EXPECT_FALSE(s.isOk());
  EXPECT_EQ(s.message(), "node \"fc\": bad");
  Expected<int> e = Status(ErrorCode::NotFound, "x");
  EXPECT_FALSE(e.hasValue());
  EXPECT_EQ(e.status().code(), ErrorCode::NotFound);
  Expected<int> v = 3;
  EXPECT_EQ(*v, 3);
}

#include "engine/core/tensor_stats.h"

TEST(TensorStats, KnownAnswer) {
  Tensor t({6});
  const float v[6] = {1, 2, 3, 0, NAN, 4};
  std::copy(v, v + 6, t.f32());
  TensorStats s = computeStats(t);
  EXPECT_EQ(s.count, 5);
  EXPECT_EQ(s.nonFinite, 1);
  EXPECT_EQ(s.zeros, 1);
  EXPECT_DOUBLE_EQ(s.mean, 2.0);
  EXPECT_DOUBLE_EQ(s.min, 0.0);
  EXPECT_DOUBLE_EQ(s.max, 4.0);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(2.0));  // population std of 0..4
  EXPECT_DOUBLE_EQ(s.l2, std::sqrt(30.0));
  auto h = histogram(t, s, 4);  // bins [0,1) [1,2) [2,3) [3,4]
  EXPECT_EQ(h, (std::vector<std::int64_t>{1, 1, 1, 2}));
}
