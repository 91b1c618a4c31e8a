// Concurrency through a real asofd: 10,000 requests in flight on one connection, each
// answer matched to its request; and 100 connections reading and writing at once, after
// which every acknowledged write is readable.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"
#include "wire/client.h"
#include "wire/verify.h"

namespace asof::testing {
namespace {

using wire::MessageType;

constexpr int kPreloaded = 1000;
int64_t PreloadedValue(int k) { return k * 7 + 3; }

class PipeliningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(daemon_.Start());
    ASSERT_OK_AND_ASSIGN(client_, Client::Connect(OptionsFor(daemon_)));
    ASSERT_OK(client_->RegisterEntityType("pipe", ""));
    ASSERT_OK(client_->RegisterFeature(Spec("pipe", "v", vt::kInt64)));
    std::vector<wire::WriteRecordT> records;
    for (int k = 0; k < kPreloaded; ++k) {
      records.push_back(
          Record("pipe", "pre" + std::to_string(k), "v", Int64(PreloadedValue(k)), 1000));
    }
    ASSERT_OK_AND_ASSIGN(auto written, client_->Write(records));
    ASSERT_EQ(written.accepted, records.size());
  }
  void TearDown() override {
    ASSERT_TRUE(daemon_.running()) << "asofd died:\n" << daemon_.log();
    Result<int> code = daemon_.Stop();
    ASSERT_OK(code);
    EXPECT_EQ(*code, 0);
  }

  // Reads `ids` (feature v) in slices and checks each against `want`; counts mismatches.
  void ExpectValues(const std::vector<std::string>& ids, const std::vector<int64_t>& want) {
    ASSERT_EQ(ids.size(), want.size());
    int bad = 0;
    for (size_t at = 0; at < ids.size(); at += 2000) {
      std::vector<std::string> slice(ids.begin() + at,
                                     ids.begin() + std::min(ids.size(), at + 2000));
      ASSERT_OK_AND_ASSIGN(auto read, client_->OnlineRead("pipe", slice, {"v"}));
      ASSERT_EQ(read.values.size(), slice.size());
      for (size_t k = 0; k < slice.size(); ++k) {
        const auto& v = *read.values[k];
        if (v.status != 0 || v.value == nullptr || v.value->i != want[at + k]) {
          if (++bad <= 5) ADD_FAILURE() << slice[k] << ": status " << int(v.status);
        }
      }
    }
    EXPECT_EQ(bad, 0) << "acknowledged writes that cannot be read back";
  }

  Daemon daemon_{ASOFD_PATH, TestDaemonFlags()};
  std::unique_ptr<Client> client_;
};

template <typename T>
const T* Verified(const Frame& frame, MessageType type) {
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(frame.payload.data()),
                                 frame.payload.size());
  if (frame.type != type || !wire::VerifyPayload(type, bytes)) return nullptr;
  return flatbuffers::GetRoot<T>(bytes.data());
}

// Checks the answer to request `i`; returns what is wrong, or "".
std::string CheckAnswer(int i, const Frame& frame) {
  if (i % 3 == 0) {  // a write of 1 + i % 4 records
    const auto* w = Verified<wire::WriteResponse>(frame, MessageType::kWriteResponse);
    if (w == nullptr) return "not a WriteResponse: " + StatusOfFrame(frame).ToString();
    if (w->accepted() != static_cast<uint32_t>(1 + i % 4)) {
      return "accepted " + std::to_string(w->accepted()) + ", want " + std::to_string(1 + i % 4);
    }
    return "";
  }
  const auto* r = Verified<wire::OnlineReadResponse>(frame, MessageType::kOnlineReadResponse);
  if (r == nullptr) return "not an OnlineReadResponse: " + StatusOfFrame(frame).ToString();
  const int a = i % kPreloaded, b = (i * 7 + 1) % kPreloaded;
  if (r->values() == nullptr || r->values()->size() != 2) return "wrong number of values";
  const auto* va = r->values()->Get(0)->value();
  const auto* vb = r->values()->Get(1)->value();
  if (va == nullptr || vb == nullptr || va->i() != PreloadedValue(a) ||
      vb->i() != PreloadedValue(b)) {
    return "values of another request";
  }
  return "";
}

TEST_F(PipeliningTest, TenThousandRequestsInFlightOnOneConnection) {
  constexpr int kRequests = 10000;
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Connection> conn, client_->connection());
  // Shared with the callbacks, which may outlive this test body if it fails early.
  struct Answers {
    std::mutex mu;
    std::condition_variable cv;
    int answered = 0;                 // guarded by mu
    std::vector<std::string> errors;  // guarded by mu
    std::set<uint64_t> ids;           // guarded by mu
  };
  auto answers = std::make_shared<Answers>();
  std::vector<std::string> written_ids;
  std::vector<int64_t> written_values;

  for (int i = 0; i < kRequests; ++i) {
    flatbuffers::FlatBufferBuilder fbb;
    MessageType type;
    if (i % 3 == 0) {
      std::vector<flatbuffers::Offset<wire::WriteRecord>> records;
      for (int j = 0; j < 1 + i % 4; ++j) {
        wire::WriteRecordT r = Record("pipe", "w" + std::to_string(i) + "_" + std::to_string(j),
                                      "v", Int64(int64_t{i} * 10 + j), 2000 + i);
        written_ids.push_back(r.entity_id);
        written_values.push_back(int64_t{i} * 10 + j);
        records.push_back(wire::WriteRecord::Pack(fbb, &r));
      }
      fbb.Finish(wire::CreateWriteRequestDirect(fbb, &records));
      type = MessageType::kWriteRequest;
    } else {
      std::vector<std::string> entities = {"pre" + std::to_string(i % kPreloaded),
                                           "pre" + std::to_string((i * 7 + 1) % kPreloaded)};
      auto ids_vec = fbb.CreateVectorOfStrings(entities);
      auto features = fbb.CreateVectorOfStrings(std::vector<std::string>{"v"});
      fbb.Finish(wire::CreateOnlineReadRequest(fbb, fbb.CreateString("pipe"), ids_vec, features));
      type = MessageType::kOnlineReadRequest;
    }
    Status sent = conn->SendAsync(
        type, {fbb.GetBufferPointer(), fbb.GetSize()}, [answers, i](Result<Frame> frame) {
          std::string problem = frame.ok() ? CheckAnswer(i, *frame) : frame.status().ToString();
          std::lock_guard lock(answers->mu);
          if (frame.ok() && !answers->ids.insert(frame->request_id).second) {
            problem += " (request id " + std::to_string(frame->request_id) + " answered twice)";
          }
          if (!problem.empty()) {
            answers->errors.push_back("request " + std::to_string(i) + ": " + problem);
          }
          ++answers->answered;
          answers->cv.notify_all();
        });
    ASSERT_OK(sent);
  }
  {
    std::unique_lock lock(answers->mu);
    ASSERT_TRUE(answers->cv.wait_for(lock, std::chrono::seconds(60),
                                     [&] { return answers->answered == kRequests; }))
        << answers->answered << " of " << kRequests << " answered";
    EXPECT_EQ(answers->ids.size(), static_cast<size_t>(kRequests));
    const auto& errors = answers->errors;
    for (size_t k = 0; k < std::min<size_t>(errors.size(), 10); ++k) ADD_FAILURE() << errors[k];
    EXPECT_TRUE(errors.empty()) << errors.size() << " wrong answers";
  }
  EXPECT_TRUE(conn->healthy());
  ExpectValues(written_ids, written_values);
}

TEST_F(PipeliningTest, HundredConnectionsReadAndWriteConcurrently) {
  constexpr int kThreads = 100, kOpsPerThread = 30;
  std::latch connected(kThreads + 1);
  std::latch checked(1);
  std::atomic<int> failures{0};
  std::mutex mu;
  std::vector<std::string> acked_ids;  // guarded by mu
  std::vector<int64_t> acked_values;   // guarded by mu
  std::vector<std::string> errors;     // guarded by mu
  auto fail = [&](std::string what) {
    ++failures;
    std::lock_guard lock(mu);
    errors.push_back(std::move(what));
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = Client::Connect(OptionsFor(daemon_));
      connected.count_down();
      checked.wait();
      if (!client.ok()) return fail("connect: " + client.status().ToString());
      for (int k = 0; k < kOpsPerThread; ++k) {
        const std::string id = "c" + std::to_string(t) + "_" + std::to_string(k / 2);
        const int64_t value = int64_t{t} * 1000 + k / 2;
        if (k % 2 == 0) {
          auto w = (*client)->Write({Record("pipe", id, "v", Int64(value), 3000)});
          if (!w.ok() || w->accepted != 1)
            return fail("write " + id + ": " + w.status().ToString());
          std::lock_guard lock(mu);
          acked_ids.push_back(id);
          acked_values.push_back(value);
        } else {
          // Read-your-writes on this connection, plus a preloaded entity.
          const int pre = (t * 31 + k) % kPreloaded;
          auto r = (*client)->OnlineRead("pipe", {id, "pre" + std::to_string(pre)}, {"v"});
          if (!r.ok()) return fail("read " + id + ": " + r.status().ToString());
          if (r->values.size() != 2 || r->values[0]->value == nullptr ||
              r->values[0]->value->i != value || r->values[1]->value == nullptr ||
              r->values[1]->value->i != PreloadedValue(pre)) {
            return fail("read " + id + ": wrong values");
          }
        }
      }
    });
  }
  connected.arrive_and_wait();
  // All connections are open at once.
  auto stats = client_->Stats();
  checked.count_down();
  for (auto& t : threads) t.join();
  ASSERT_OK(stats);
  EXPECT_GE(stats->connections, static_cast<uint32_t>(kThreads + 1));
  for (size_t k = 0; k < std::min<size_t>(errors.size(), 10); ++k) ADD_FAILURE() << errors[k];
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(acked_ids.size(), static_cast<size_t>(kThreads * kOpsPerThread / 2));
  ExpectValues(acked_ids, acked_values);
}

}  // namespace
}  // namespace asof::testing
