#include "perf/bench_util.h"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace asof::bench {

namespace fs = std::filesystem;

namespace {

constexpr char kMarkerFile[] = "BENCH_DATASET";

std::string MakeTempDir(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string templ =
      std::string(base && *base ? base : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
  ASOF_CHECK(mkdtemp(templ.data()) != nullptr) << "mkdtemp failed for " << templ;
  return templ;
}

void RemoveAll(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

}  // namespace

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  long long parsed = std::strtoll(v, &end, 10);
  ASOF_CHECK(end != nullptr && *end == '\0') << "$" << name << " is not an integer: " << v;
  return parsed;
}

BenchDir::BenchDir(std::string_view name) {
  const char* root = std::getenv("ASOF_BENCH_DIR");
  if (root != nullptr && *root != '\0') {
    path_ = std::string(root) + "/" + std::string(name);
    kept_ = true;
    std::error_code ec;
    fs::create_directories(path_, ec);
    ASOF_CHECK(!ec) << "cannot create " << path_ << ": " << ec.message();
  } else {
    path_ = MakeTempDir("asof-bench-" + std::string(name));
  }
}

BenchDir::~BenchDir() {
  if (!kept_) RemoveAll(path_);
}

bool BenchDir::ReuseOrReset(const std::string& params) {
  if (kept_) {
    std::ifstream in(path_ + "/" + kMarkerFile);
    std::stringstream have;
    have << in.rdbuf();
    if (in && have.str() == params) return true;
  }
  // Partial or different data: start over, keeping the directory itself.
  for (const auto& entry : fs::directory_iterator(path_)) RemoveAll(entry.path().string());
  return false;
}

void BenchDir::MarkComplete(const std::string& params) {
  if (!kept_) return;
  std::ofstream out(path_ + "/" + kMarkerFile, std::ios::trunc);
  out << params;
  ASOF_CHECK(out.good()) << "cannot write the data set marker in " << path_;
}

ScratchDir::ScratchDir() : path_(MakeTempDir("asof-bench-scratch")) {}
ScratchDir::~ScratchDir() { RemoveAll(path_); }

uint64_t DirBytes(const std::string& path) {
  uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f %s", v, units[u]);
  return buf;
}

std::string EntityId(uint64_t index) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "e%08llu", static_cast<unsigned long long>(index));
  return buf;
}

std::unique_ptr<Engine> OpenEngine(const std::string& path, const Clock* clock, bool sync_writes,
                                   size_t block_cache_bytes) {
  EngineOptions options;
  options.path = path;
  options.clock = clock;
  options.sync_writes = sync_writes;
  options.block_cache_bytes = block_cache_bytes;
  return ValueOrDie(Engine::Open(options), "opening the engine at " + path);
}

}  // namespace asof::bench
