#include "engine/internal/value_codec.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "engine/internal/coding.h"
#include "tests/util/test_util.h"

// Counts heap allocations so tests can prove that decoding a corrupt list count does
// not allocate for it and that encoding a DOUBLE allocates nothing. Every form of
// new/delete used by std containers goes through malloc/free here, so they stay paired
// under any allocator (jemalloc, ASan).
namespace {
std::atomic<size_t> g_allocations{0};
std::atomic<size_t> g_largest_allocation{0};

void* CountedAlloc(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  size_t prev = g_largest_allocation.load(std::memory_order_relaxed);
  while (n > prev && !g_largest_allocation.compare_exchange_weak(prev, n)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(size_t n) { return CountedAlloc(n); }
void* operator new[](size_t n) { return CountedAlloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace asof::internal {
namespace {

std::string Encode(const Value& v) {
  std::string out;
  EncodeValue(v, &out);
  return out;
}

double DoubleFromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}
float FloatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// Decodes exactly one value that must fill `bytes` completely.
void ExpectRoundTrip(const Value& v) {
  const std::string bytes = Encode(v);
  std::string_view in = bytes;
  ASSERT_OK_AND_ASSIGN(Value back, DecodeValue(&in));
  EXPECT_EQ(back, v) << v.DebugString() << " came back as " << back.DebugString();
  EXPECT_EQ(back.type(), v.type());
  EXPECT_TRUE(in.empty()) << in.size() << " bytes left after " << v.DebugString();
}

void ExpectCorrupt(std::string_view bytes, std::string_view why) {
  std::string_view in = bytes;
  Result<Value> r = DecodeValue(&in);
  ASSERT_FALSE(r.ok()) << why << ": decoded " << r->DebugString();
  EXPECT_EQ(r.status().code(), ErrorCode::kInternal) << why;
  EXPECT_EQ(r.status().message().rfind("corrupt value: ", 0), 0u) << r.status().message();
  EXPECT_EQ(in.data(), bytes.data()) << why << ": input advanced on failure";
  EXPECT_EQ(in.size(), bytes.size()) << why;
}

std::vector<Value> Samples() {
  constexpr auto kI64Min = std::numeric_limits<int64_t>::min();
  constexpr auto kI64Max = std::numeric_limits<int64_t>::max();
  constexpr auto kI32Min = std::numeric_limits<int32_t>::min();
  constexpr auto kI32Max = std::numeric_limits<int32_t>::max();
  const double inf = std::numeric_limits<double>::infinity();
  const float finf = std::numeric_limits<float>::infinity();
  return {
      Value::Null(),
      Value::Bool(false),
      Value::Bool(true),
      Value::Int32(0),
      Value::Int32(-1),
      Value::Int32(kI32Min),
      Value::Int32(kI32Max),
      Value::Int64(0),
      Value::Int64(63),
      Value::Int64(-64),
      Value::Int64(kI64Min),
      Value::Int64(kI64Max),
      Value::Timestamp(0),
      Value::Timestamp(1700000000000000),
      Value::Timestamp(kI64Min),
      Value::Timestamp(kI64Max),
      Value::Float(0.0f),
      Value::Float(-0.0f),
      Value::Float(finf),
      Value::Float(-finf),
      Value::Float(std::numeric_limits<float>::quiet_NaN()),
      Value::Float(FloatFromBits(0xffc00123)),  // negative NaN with a payload
      Value::Float(std::numeric_limits<float>::denorm_min()),
      Value::Double(0.0),
      Value::Double(-0.0),
      Value::Double(1.5),
      Value::Double(inf),
      Value::Double(-inf),
      Value::Double(std::numeric_limits<double>::quiet_NaN()),
      Value::Double(DoubleFromBits(0x7ff0000000000001)),  // signalling NaN bits
      Value::Double(std::numeric_limits<double>::denorm_min()),
      Value::Double(std::numeric_limits<double>::max()),
      Value::String(""),
      Value::String("hello, wörld"),
      Value::String(std::string(300, 'x')),  // length needs a 2-byte varint
      Value::Bytes(""),
      Value::Bytes(std::string("\x00\x01\xff\x80", 4)),
      Value::FloatList({}),
      Value::FloatList({1.0f, -0.0f, std::numeric_limits<float>::quiet_NaN(), finf}),
      Value::DoubleList({}),
      Value::DoubleList({-1.25, DoubleFromBits(0xfff8000000000abc), -inf}),
      Value::Int64List({}),
      Value::Int64List({0, -1, 1, kI64Min, kI64Max}),
      Value::StringList({}),
      Value::StringList({""}),
      Value::StringList({"a", "", std::string(200, 'z'), std::string("\0", 1)}),
  };
}

TEST(ValueCodecTest, RoundTripsEveryType) {
  const auto samples = Samples();
  std::vector<bool> seen(kMaxValueType + 1, false);
  for (const Value& v : samples) {
    SCOPED_TRACE(v.DebugString());
    ExpectRoundTrip(v);
    seen[static_cast<size_t>(v.type())] = true;
  }
  for (size_t t = 0; t < seen.size(); ++t) EXPECT_TRUE(seen[t]) << "no sample of type " << t;
}

TEST(ValueCodecTest, ExactBytes) {
  // The format is persistent: these pin it down (engine/doc/formats.md).
  using S = std::string;
  EXPECT_EQ(Encode(Value::Null()), S("\x00", 1));
  EXPECT_EQ(Encode(Value::Bool(true)), S("\x01\x01"));
  EXPECT_EQ(Encode(Value::Bool(false)), S("\x01\x00", 2));
  EXPECT_EQ(Encode(Value::Int32(-1)), S("\x02\x01"));
  EXPECT_EQ(Encode(Value::Int64(1)), S("\x03\x02"));
  EXPECT_EQ(Encode(Value::Int64(-65)), S("\x03\x81\x01"));
  EXPECT_EQ(Encode(Value::Float(1.0f)), S("\x04\x00\x00\x80\x3f", 5));
  EXPECT_EQ(Encode(Value::Double(1.5)), S("\x05\x00\x00\x00\x00\x00\x00\xf8\x3f", 9));
  EXPECT_EQ(Encode(Value::String("ab")), S("\x06\x02"
                                           "ab"));
  EXPECT_EQ(Encode(Value::Bytes("")), S("\x07\x00", 2));
  EXPECT_EQ(Encode(Value::Timestamp(2)), S("\x08\x04"));
  EXPECT_EQ(Encode(Value::FloatList({1.0f})), S("\x09\x01\x00\x00\x80\x3f", 6));
  EXPECT_EQ(Encode(Value::DoubleList({})), S("\x0a\x00", 2));
  EXPECT_EQ(Encode(Value::Int64List({1, -1})), S("\x0b\x02\x02\x01"));
  EXPECT_EQ(Encode(Value::StringList({"a", ""})), S("\x0c\x02\x01"
                                                    "a"
                                                    "\x00",
                                                    5));
}

TEST(ValueCodecTest, EncodeAppends) {
  std::string out = "prefix";
  EncodeValue(Value::Int64(7), &out);
  EXPECT_EQ(out, "prefix\x03\x0e");
}

TEST(ValueCodecTest, EncodingADoubleDoesNotAllocate) {
  std::string out;
  out.reserve(64);
  const Value v = Value::Double(3.25);
  const size_t before = g_allocations.load();
  EncodeValue(v, &out);
  EncodeValue(v, &out);
  EXPECT_EQ(g_allocations.load(), before);
  EXPECT_EQ(out.size(), 18u);
}

TEST(ValueCodecTest, ConcatenatedValuesDecodeInSequence) {
  const auto samples = Samples();
  std::string buf;
  std::vector<size_t> sizes;
  for (const Value& v : samples) {
    const size_t before = buf.size();
    EncodeValue(v, &buf);
    sizes.push_back(buf.size() - before);
  }
  std::string_view in = buf;
  for (size_t i = 0; i < samples.size(); ++i) {
    const size_t left = in.size();
    ASSERT_OK_AND_ASSIGN(Value v, DecodeValue(&in));
    EXPECT_EQ(v, samples[i]) << i;
    EXPECT_EQ(left - in.size(), sizes[i]) << "value " << i << " consumed the wrong length";
  }
  EXPECT_TRUE(in.empty());
  ExpectCorrupt(in, "nothing left");
}

Value RandomValue(std::mt19937_64& rng) {
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  // Integers of every varint length: random bits shifted down by a random amount, and
  // their complements for negatives of every length.
  auto int64 = [&] {
    uint64_t u = rng() >> below(64);
    return static_cast<int64_t>(below(2) ? u : ~u);
  };
  auto bytes = [&] {
    std::string s(below(4) == 0 ? below(300) : below(8), '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  auto count = [&] { return static_cast<size_t>(below(4) == 0 ? below(200) : below(5)); };
  switch (static_cast<ValueType>(below(kMaxValueType + 1))) {
    case ValueType::kNull:
      return Value::Null();
    case ValueType::kBool:
      return Value::Bool(below(2) == 1);
    case ValueType::kInt32:
      return Value::Int32(static_cast<int32_t>(int64()));
    case ValueType::kInt64:
      return Value::Int64(int64());
    case ValueType::kFloat:
      return Value::Float(FloatFromBits(static_cast<uint32_t>(rng())));  // incl. NaNs
    case ValueType::kDouble:
      return Value::Double(DoubleFromBits(rng()));
    case ValueType::kString:
      return Value::String(bytes());
    case ValueType::kBytes:
      return Value::Bytes(bytes());
    case ValueType::kTimestamp:
      return Value::Timestamp(int64());
    case ValueType::kFloatList: {
      std::vector<float> v(count());
      for (float& x : v) x = FloatFromBits(static_cast<uint32_t>(rng()));
      return Value::FloatList(std::move(v));
    }
    case ValueType::kDoubleList: {
      std::vector<double> v(count());
      for (double& x : v) x = DoubleFromBits(rng());
      return Value::DoubleList(std::move(v));
    }
    case ValueType::kInt64List: {
      std::vector<int64_t> v(count());
      for (int64_t& x : v) x = int64();
      return Value::Int64List(std::move(v));
    }
    case ValueType::kStringList: {
      std::vector<std::string> v(count());
      for (std::string& x : v) x = bytes();
      return Value::StringList(std::move(v));
    }
  }
  return Value::Null();
}

TEST(ValueCodecTest, RandomizedRoundTrip) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  for (int i = 0; i < 5000; ++i) {
    const Value v = RandomValue(rng);
    SCOPED_TRACE(v.DebugString());
    ExpectRoundTrip(v);
    if (::testing::Test::HasFailure()) return;
  }
}

// A strict prefix of an encoding can never be a whole value: NULL's prefix is empty,
// every other type needs at least one payload byte after its tag, a varint's prefix ends
// on a continuation byte, and lengths and counts promise bytes the prefix lacks.
TEST(ValueCodecTest, EveryStrictPrefixIsRejected) {
  std::vector<Value> values = Samples();
  std::mt19937_64 rng(asof::testing::TestSeed());
  for (int i = 0; i < 300; ++i) values.push_back(RandomValue(rng));
  for (const Value& v : values) {
    const std::string bytes = Encode(v);
    for (size_t n = 0; n < bytes.size(); ++n) {
      ExpectCorrupt(std::string_view(bytes).substr(0, n),
                    v.DebugString() + " cut to " + std::to_string(n) + " bytes");
    }
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(ValueCodecTest, RejectsUnknownTags) {
  for (int tag = kMaxValueType + 1; tag <= 255; ++tag) {
    const std::string bytes = {static_cast<char>(tag), 0, 0, 0, 0, 0, 0, 0, 0};
    ExpectCorrupt(bytes, "tag " + std::to_string(tag));
  }
}

TEST(ValueCodecTest, RejectsBadBoolByte) {
  ExpectCorrupt(std::string("\x01\x02"), "bool 2");
  ExpectCorrupt(std::string("\x01\xff"), "bool 255");
  ExpectCorrupt(std::string("\x01\x80"), "bool 128");
}

TEST(ValueCodecTest, RejectsInt32OutOfRange) {
  for (int64_t x : {int64_t{1} << 31, -(int64_t{1} << 31) - 1, std::numeric_limits<int64_t>::max(),
                    std::numeric_limits<int64_t>::min()}) {
    std::string bytes = "\x02";
    PutVarsint64(&bytes, x);
    ExpectCorrupt(bytes, "int32 " + std::to_string(x));
  }
}

TEST(ValueCodecTest, HugeListCountsFailWithoutBigAllocation) {
  const uint64_t counts[] = {1ull << 20, 1ull << 32, 1ull << 61, 1ull << 62,
                             std::numeric_limits<uint64_t>::max()};
  for (int tag : {9, 10, 11, 12}) {
    for (uint64_t count : counts) {
      std::string bytes(1, static_cast<char>(tag));
      PutVarint64(&bytes, count);
      bytes.append(64, '\x01');  // some payload, far less than the count needs
      g_largest_allocation.store(0);
      ExpectCorrupt(bytes, "tag " + std::to_string(tag) + " count " + std::to_string(count));
      // ExpectCorrupt's own strings are small; a list of `count` elements is not.
      EXPECT_LT(g_largest_allocation.load(), size_t{4096}) << tag << " " << count;
    }
  }
}

TEST(ValueCodecTest, ListCountIsCheckedAgainstTheBytesLeft) {
  // A count one larger than the remaining bytes can hold is rejected up front ...
  std::string floats = "\x09";
  PutVarint64(&floats, 3);
  floats.append(8, '\0');  // room for 2 floats
  ExpectCorrupt(floats, "float list short by one element");
  std::string strings = "\x0c";
  PutVarint64(&strings, 3);
  strings.append(2, '\0');  // two empty strings
  ExpectCorrupt(strings, "string list short by one element");
  // ... and the same bytes with the right count decode.
  floats[1] = 2;
  std::string_view in = floats;
  ASSERT_OK_AND_ASSIGN(Value f, DecodeValue(&in));
  EXPECT_EQ(f, Value::FloatList({0.0f, 0.0f}));
  strings[1] = 2;
  in = strings;
  ASSERT_OK_AND_ASSIGN(Value s, DecodeValue(&in));
  EXPECT_EQ(s, Value::StringList({"", ""}));
}

TEST(ValueCodecTest, HugeStringLengthFails) {
  for (int tag : {6, 7}) {
    std::string bytes(1, static_cast<char>(tag));
    PutVarint64(&bytes, std::numeric_limits<uint64_t>::max());
    bytes += "abc";
    ExpectCorrupt(bytes, "string length 2^64-1");
  }
}

// Whatever decodes from arbitrary bytes must be a real value: it encodes and decodes
// back to itself. Nothing may crash or read out of bounds (the sanitizer build checks).
void DecodeAll(std::string_view bytes) {
  std::string_view in = bytes;
  while (!in.empty()) {
    const size_t left = in.size();
    std::string_view skipped = in;
    ValueType type = ValueType::kNull;
    Status skip = SkipValue(&skipped, &type);
    Result<Value> r = DecodeValue(&in);
    // The validate-only decoder must refuse exactly what DecodeValue refuses.
    ASSERT_EQ(skip.ok(), r.ok()) << skip.ToString();
    if (!r.ok()) {
      ASSERT_EQ(r.status().code(), ErrorCode::kInternal);
      ASSERT_EQ(skip, r.status());
      ASSERT_EQ(in.size(), left);
      ASSERT_EQ(skipped.size(), left);
      return;
    }
    ASSERT_EQ(skipped.data(), in.data());
    ASSERT_EQ(type, r->type());
    ASSERT_LT(in.size(), left) << "a decoded value consumed nothing";
    const std::string again = Encode(*r);
    std::string_view again_in = again;
    ASSERT_OK_AND_ASSIGN(Value back, DecodeValue(&again_in));
    ASSERT_EQ(back, *r);
  }
}

TEST(ValueCodecTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 48, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    // Half of the inputs start with a valid tag so payload decoding gets exercised.
    if (!bytes.empty() && i % 2 == 0) bytes[0] = static_cast<char>(rng() % (kMaxValueType + 1));
    DecodeAll(bytes);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(ValueCodecTest, MutatedEncodingsNeverCrash) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  for (int i = 0; i < 5000; ++i) {
    std::string bytes = Encode(RandomValue(rng));
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] ^= static_cast<char>(1u << (rng() % 8));
    }
    DecodeAll(bytes);
    if (::testing::Test::HasFailure()) return;
  }
}

// Runs `check(input, expected)` for every prefix of every sample's encoding followed by
// a tail (each in its own buffer: ASan sees overreads), with DecodeValue's answer for it;
// `check` gets the input as DecodeValue saw it and where DecodeValue left it.
template <typename Check>
void ForEveryPrefixAgainstDecodeValue(Check check) {
  std::vector<Value> values = Samples();
  std::mt19937_64 rng(asof::testing::TestSeed());
  for (int i = 0; i < 300; ++i) values.push_back(RandomValue(rng));
  for (const Value& v : values) {
    const std::string bytes = Encode(v) + "tail";
    for (size_t n = 0; n <= bytes.size(); ++n) {
      SCOPED_TRACE(v.DebugString() + " cut to " + std::to_string(n));
      const std::string input = bytes.substr(0, n);
      std::string_view after = input;
      Result<Value> expected = DecodeValue(&after);
      check(std::string_view(input), expected, after);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// DecodeValueInto shares DecodeValue's decoder: same values, same errors, and `*in` moves
// only past a whole value, whatever `*out` held before.
TEST(ValueCodecTest, DecodeValueIntoAgreesWithDecodeValue) {
  ForEveryPrefixAgainstDecodeValue(
      [](std::string_view input, const Result<Value>& expected, std::string_view after) {
        Value got = Value::StringList({"stale"});
        Status status = DecodeValueInto(&input, &got);
        ASSERT_EQ(status.ok(), expected.ok());
        EXPECT_EQ(input.data(), after.data());
        EXPECT_EQ(input.size(), after.size());
        if (expected.ok()) {
          EXPECT_EQ(got, *expected);
        } else {
          EXPECT_EQ(status, expected.status());
        }
      });
}

// SkipValue (the bulk-load verifier's type check) agrees with DecodeValue on every sample
// and every prefix of it: same verdict, same error, same bytes consumed, the decoded
// value's type; `*in` moves only past a whole value.
TEST(ValueCodecTest, SkipValueAgreesWithDecodeValue) {
  ForEveryPrefixAgainstDecodeValue(
      [](std::string_view input, const Result<Value>& expected, std::string_view after) {
        ValueType type = ValueType::kNull;
        Status status = SkipValue(&input, &type);
        ASSERT_EQ(status.ok(), expected.ok());
        EXPECT_EQ(input.data(), after.data());
        EXPECT_EQ(input.size(), after.size());
        if (expected.ok()) {
          EXPECT_EQ(type, expected->type());
        } else {
          EXPECT_EQ(status, expected.status());
        }
      });
}

TEST(ValueCodecTest, SkipValueRefusesMalformedInput) {
  auto expect_refused = [](std::string_view bytes, std::string_view why) {
    std::string_view in = bytes;
    ValueType type;
    Status s = SkipValue(&in, &type);
    ASSERT_FALSE(s.ok()) << why;
    EXPECT_EQ(s.code(), ErrorCode::kInternal) << why;
    EXPECT_EQ(s.message().rfind("corrupt value: ", 0), 0u) << s.message();
    EXPECT_EQ(in.data(), bytes.data()) << why << ": input advanced on failure";
    EXPECT_EQ(in.size(), bytes.size()) << why;
  };
  expect_refused("", "empty");
  expect_refused(std::string(1, static_cast<char>(kMaxValueType + 1)), "unknown tag");
  expect_refused(std::string("\x01\x02", 2), "BOOL byte 2");
  expect_refused(std::string("\x05\x00\x00\x00", 4), "short DOUBLE");
  expect_refused(std::string("\x04\x00", 2), "short FLOAT");
  // INT32 one past the maximum, zigzag-encoded: 2^32 as a varint.
  std::string big_int32 = "\x02";
  PutVarsint64(&big_int32, int64_t{1} << 31);
  expect_refused(big_int32, "INT32 out of range");
  expect_refused(std::string("\x03\x80", 2), "truncated varint");
  expect_refused(std::string("\x06\x05"
                             "abc",
                             5),
                 "STRING longer than the input");
  // A list count the remaining bytes cannot hold.
  std::string huge = "\x0a";
  PutVarint64(&huge, uint64_t{1} << 60);
  expect_refused(huge, "DOUBLE_LIST count");
  expect_refused(std::string("\x0b\x02\x01", 3), "INT64_LIST missing an element");
  expect_refused(std::string("\x0c\x02\x01"
                             "a"
                             "\x05",
                             5),
                 "STRING_LIST element past the end");
}

// The point of SkipValue: checking a well-formed value allocates nothing, whatever its
// type (DecodeValue copies strings and lists).
TEST(ValueCodecTest, SkipValueDoesNotAllocate) {
  for (const Value& v : Samples()) {
    const std::string bytes = Encode(v);
    std::string_view in = bytes;
    ValueType type = ValueType::kNull;
    const size_t before = g_allocations.load();
    Status s = SkipValue(&in, &type);
    const size_t after = g_allocations.load();
    ASSERT_OK(s);
    EXPECT_EQ(after, before) << v.DebugString();
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(type, v.type());
  }
}

}  // namespace
}  // namespace asof::internal
