// A historical CSV of 1,000,000 rows streams with bounded server memory: the client
// reads the answer slowly at first (1 MB, then a 1 s pause), so a server that built the
// whole answer before or while sending would show it in its RSS. The answer is several
// times larger than the bound the daemon's RSS growth must stay under, and every line is
// counted and a sample checked against the written history (as-of: no later version).
// Takes ~20-40 s; labelled `memory` besides `integration`.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"

namespace asof::testing {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int kEntities = 1000;
constexpr int kVersions = 5;
constexpr int64_t kRows = 1000000;
constexpr size_t kMiB = 1 << 20;
// What the daemon may add to its RSS while answering: the parsed rows (~40 MB for 1M),
// one chunk of values and text, and slack for RocksDB and the allocator.
constexpr size_t kRssBound = 96 * kMiB;

std::string Rfc3339(int64_t micros) {
  time_t secs = static_cast<time_t>(micros / kSecond);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  return std::string(buf, strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm));
}

// Long enough that the answer dwarfs the bound; no character CSV would quote.
std::string Label(int e, int v) {
  std::string s = "label-" + std::to_string(e) + "-" + std::to_string(v) + "-";
  s.resize(300, static_cast<char>('a' + (e + v) % 26));
  return s;
}
double X(int e, int v) { return e + v / 4.0; }
int64_t N(int e, int v) { return int64_t{e} * 10 + v; }

size_t VmRssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// Decodes a chunked HTTP body as it arrives and hands its bytes on.
class ChunkedDecoder {
 public:
  // Returns false on a framing error.
  template <typename Sink>
  bool Feed(std::string_view in, Sink&& sink) {
    while (!in.empty() && !done_) {
      if (remaining_ > 0) {
        size_t n = std::min(remaining_, in.size());
        sink(in.substr(0, n));
        in.remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) skip_crlf_ = 2;
        continue;
      }
      if (skip_crlf_ > 0) {
        in.remove_prefix(1);
        --skip_crlf_;
        continue;
      }
      line_ += in[0];
      in.remove_prefix(1);
      if (line_.size() >= 2 && line_.ends_with("\r\n")) {
        size_t size = 0;
        auto [p, ec] = std::from_chars(line_.data(), line_.data() + line_.size(), size, 16);
        if (ec != std::errc()) return false;
        line_.clear();
        if (size == 0) {
          done_ = true;
        } else {
          remaining_ = size;
        }
      }
    }
    return true;
  }
  bool done() const { return done_; }

 private:
  size_t remaining_ = 0;
  int skip_crlf_ = 0;
  std::string line_;
  bool done_ = false;
};

TEST(HttpHistoricalMemoryTest, MillionRowCsvStreamsWithBoundedRss) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan's quarantine keeps freed memory: RSS says nothing here";
#endif
  // Freed pages go back to the OS at once, so the RSS shows what asofd holds, not what
  // jemalloc keeps cached for later (the child inherits the environment).
  ::setenv("MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0", 1);
  Daemon daemon(ASOFD_PATH, TestDaemonFlags());
  ASSERT_OK(daemon.Start());
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(OptionsFor(daemon)));
  ASSERT_OK(client->RegisterEntityType("mem", "").status());
  ASSERT_OK(client->RegisterFeature(Spec("mem", "x", vt::kDouble)).status());
  ASSERT_OK(client->RegisterFeature(Spec("mem", "n", vt::kInt64)).status());
  ASSERT_OK(client->RegisterFeature(Spec("mem", "label", vt::kString)).status());
  const int64_t base = (NowMicros() / kSecond - 7200) * kSecond;
  for (int e0 = 0; e0 < kEntities; e0 += 200) {
    std::vector<wire::WriteRecordT> batch;
    for (int e = e0; e < e0 + 200; ++e) {
      for (int v = 0; v < kVersions; ++v) {
        const int64_t ts = base + v * 60 * kSecond;
        const std::string id = "e" + std::to_string(e);
        batch.push_back(Record("mem", id, "x", Double(X(e, v)), ts));
        batch.push_back(Record("mem", id, "n", Int64(N(e, v)), ts));
        batch.push_back(Record("mem", id, "label", String(Label(e, v)), ts));
      }
    }
    ASSERT_OK_AND_ASSIGN(auto result, client->Write(batch));
    ASSERT_EQ(result.accepted, batch.size());
  }

  // Row r: entity r % 1000 at T from 30 s before the first version to past the last.
  auto row_ts = [&](int64_t r) { return base - 30 * kSecond + ((r * 7) % 331) * kSecond; };
  std::string body = R"({"entity":"mem","features":["x","n","label"],"include_status":true,)"
                     R"("entity_ids_with_timestamps":[)";
  body.reserve(static_cast<size_t>(kRows) * 48);
  for (int64_t r = 0; r < kRows; ++r) {
    if (r > 0) body += ',';
    body += R"({"entity_id":"e)" + std::to_string(r % kEntities) + R"(","timestamp":)" +
            std::to_string(row_ts(r)) + "}";
  }
  body += "]}";

  const size_t baseline = VmRssBytes(daemon.pid());
  ASSERT_GT(baseline, 0u);

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(daemon.http_port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval timeout{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string request =
      "POST /api/features/historical HTTP/1.1\r\nHost: test\r\n"
      "Content-Type: application/json\r\nAccept: text/csv\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string().swap(body);
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << "send: " << strerror(errno);
    sent += static_cast<size_t>(n);
  }
  std::string().swap(request);

  std::string head;
  ChunkedDecoder decoder;
  size_t body_bytes = 0;
  int64_t lines = 0;
  std::string line;  // the current line, for the sampled ones
  std::string header_line;
  int checked = 0;
  auto is_sample = [](int64_t row) { return row % 9973 == 0 || row == kRows - 1; };
  auto expected_line = [&](int64_t r) {
    const int e = static_cast<int>(r % kEntities);
    const int64_t t = row_ts(r);
    std::string out = "e" + std::to_string(e) + "," + Rfc3339(t);
    if (t < base) return out + ",,NOT_FOUND,,NOT_FOUND,,NOT_FOUND";
    const int v = static_cast<int>(std::min<int64_t>(kVersions - 1, (t - base) / (60 * kSecond)));
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), X(e, v));
    return out + "," + std::string(buf, end) + ",PRESENT," + std::to_string(N(e, v)) + ",PRESENT," +
           Label(e, v) + ",PRESENT";
  };
  auto sink = [&](std::string_view data) {
    body_bytes += data.size();
    while (!data.empty()) {
      size_t nl = data.find('\n');
      const bool sampled = lines == 0 || is_sample(lines - 1);
      if (sampled) line.append(data.substr(0, nl));
      if (nl == std::string_view::npos) break;
      if (lines == 0) {
        header_line = line;
      } else if (sampled) {
        EXPECT_EQ(line, expected_line(lines - 1)) << "row " << lines - 1;
        ++checked;
      }
      line.clear();
      ++lines;
      data.remove_prefix(nl + 1);
    }
  };

  size_t first_sample = 0, peak = baseline;
  size_t next_sample_at = kMiB;
  int slow_reads = 5;  // 1 MB then 1 s, five times
  std::vector<char> buf(64 * 1024);
  while (!decoder.done()) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    ASSERT_GT(n, 0) << "recv after " << body_bytes << " bytes: " << strerror(errno);
    std::string_view data(buf.data(), static_cast<size_t>(n));
    if (head.empty() || head.find("\r\n\r\n") == std::string::npos) {
      head.append(data);
      size_t end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      ASSERT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
      ASSERT_NE(head.find("chunked"), std::string::npos) << head;
      data = std::string_view(head).substr(end + 4);
      ASSERT_TRUE(decoder.Feed(data, sink));
      head.resize(end + 4);
      continue;
    }
    ASSERT_TRUE(decoder.Feed(data, sink));
    if (body_bytes >= next_sample_at) {
      const size_t rss = VmRssBytes(daemon.pid());
      if (first_sample == 0) first_sample = rss;
      peak = std::max(peak, rss);
      if (slow_reads > 0) {
        --slow_reads;
        std::this_thread::sleep_for(std::chrono::seconds(1));
        next_sample_at = body_bytes + kMiB;
      } else {
        next_sample_at = body_bytes + 8 * kMiB;
      }
    }
  }
  ::close(fd);

  EXPECT_EQ(header_line, "entity_id,timestamp,x,x__status,n,n__status,label,label__status");
  EXPECT_EQ(lines, kRows + 1);
  EXPECT_EQ(checked, static_cast<int>(kRows / 9973 + 2));
  // The check means something only if buffering the answer would break the bound.
  ASSERT_GT(body_bytes, 3 * kRssBound) << "answer too small for the RSS bound to prove anything";
  const size_t growth = peak > baseline ? peak - baseline : 0;
  std::cout << "answer " << body_bytes / kMiB << " MiB; asofd RSS " << baseline / kMiB
            << " MiB before, " << first_sample / kMiB << " MiB at the first MiB, peak "
            << peak / kMiB << " MiB\n";
  EXPECT_LT(growth, kRssBound);
  // While streaming, the RSS does not follow the bytes sent.
  EXPECT_LT(peak - std::min(peak, first_sample), 32 * kMiB);
  ASSERT_OK_AND_ASSIGN(int code, daemon.Stop());
  EXPECT_EQ(code, 0);
}

}  // namespace
}  // namespace asof::testing
