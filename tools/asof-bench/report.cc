#include "tools/asof-bench/report.h"

#include <string>
#include <string_view>

namespace asof::bench {

namespace {

struct Percentile {
  const char* text_label;
  const char* json_key;
  double p;
};
constexpr Percentile kPercentiles[] = {
    {"p50", "p50", 50}, {"p90", "p90", 90}, {"p99", "p99", 99}, {"p99.9", "p99_9", 99.9}};

double Micros(uint64_t ns) { return static_cast<double>(ns) / 1e3; }

double PerSecond(uint64_t n, double seconds) {
  return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void PrintLatencyText(const char* label, const LatencyHistogram& h, std::FILE* out) {
  std::fprintf(out, "  %-13s", label);
  for (const Percentile& p : kPercentiles) {
    std::fprintf(out, " %s %.1f ", p.text_label, Micros(h.ValueAtPercentile(p.p)));
  }
  std::fprintf(out, " max %.1f  mean %.1f\n", Micros(h.max()), h.mean() / 1e3);
}

void PrintLatencyJson(const char* key, const LatencyHistogram& h, std::FILE* out) {
  std::fprintf(out, "  \"%s\": {", key);
  for (const Percentile& p : kPercentiles) {
    std::fprintf(out, "\"%s\": %.3f, ", p.json_key, Micros(h.ValueAtPercentile(p.p)));
  }
  std::fprintf(out, "\"max\": %.3f, \"mean\": %.3f, \"count\": %llu},\n", Micros(h.max()),
               h.mean() / 1e3, static_cast<unsigned long long>(h.count()));
}

}  // namespace

void PrintText(const BenchOptions& o, const std::optional<LoadResult>& load, const RunResult& r,
               std::FILE* out) {
  if (load) {
    std::fprintf(out, "load: %llu records in %.1f s (%.0f records/s)\n",
                 static_cast<unsigned long long>(load->records), load->seconds,
                 PerSecond(load->records, load->seconds));
  }
  std::fprintf(out, "asof-bench %s: %u entities x %u features per request, keyspace %llu\n",
               std::string(WorkloadName(o.workload)).c_str(), o.entities, o.features,
               static_cast<unsigned long long>(o.keyspace));
  if (o.rate > 0) {
    std::fprintf(out,
                 "  open loop: %.0f requests/s offered over %u connections (at most %u in "
                 "flight each); latency from the intended send time\n",
                 o.rate, o.connections, o.depth);
  } else {
    std::fprintf(out, "  closed loop: %u connections x depth %u\n", o.connections, o.depth);
  }
  std::fprintf(out, "  measured %.2f s after %.1f s of warm-up\n", r.seconds, o.warmup_s);
  std::fprintf(out, "  requests      %llu answered, %llu errors",
               static_cast<unsigned long long>(r.requests),
               static_cast<unsigned long long>(r.errors));
  if (o.rate > 0) std::fprintf(out, ", %llu never sent", static_cast<unsigned long long>(r.unsent));
  std::fprintf(out, "\n  throughput    %.1f requests/s, %.0f %s/s\n",
               PerSecond(r.requests, r.seconds), PerSecond(r.values, r.seconds),
               o.workload == Workload::kWrite ? "records" : "feature values");
  PrintLatencyText("latency (us)", r.latency, out);
  if (o.rate > 0) PrintLatencyText("send lag (us)", r.send_lag, out);
  std::fprintf(out, "  (percentiles within %.2f%%)\n", 100 * r.latency.relative_error());
  if (o.workload != Workload::kWrite) {
    std::fprintf(out, "  not present   %llu of %llu values\n",
                 static_cast<unsigned long long>(r.not_present),
                 static_cast<unsigned long long>(r.values));
  }
  std::fprintf(out, "  client CPU    %.2f s (%.0f%% of one core)\n", r.client_cpu_seconds,
               r.seconds > 0 ? 100 * r.client_cpu_seconds / r.seconds : 0.0);
  for (const std::string& e : r.error_samples) std::fprintf(out, "  error: %s\n", e.c_str());
  if (r.unsent > 0) {
    std::fprintf(out,
                 "  warning: %llu requests fell due but were never sent: the offered rate is "
                 "over what the server (or this client) sustains\n",
                 static_cast<unsigned long long>(r.unsent));
  }
}

void PrintJson(const BenchOptions& o, const std::optional<LoadResult>& load, const RunResult& r,
               std::FILE* out) {
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::fprintf(out, "{\n  \"workload\": \"%s\", \"entities\": %u, \"features\": %u, ",
               std::string(WorkloadName(o.workload)).c_str(), o.entities, o.features);
  std::fprintf(out, "\"keyspace\": %llu,\n  \"connections\": %u, \"depth\": %u, \"rate\": %.3f, ",
               u(o.keyspace), o.connections, o.depth, o.rate);
  std::fprintf(out, "\"duration_s\": %.3f, \"warmup_s\": %.3f,\n", o.duration_s, o.warmup_s);
  if (load) {
    std::fprintf(out, "  \"load\": {\"records\": %llu, \"seconds\": %.3f},\n", u(load->records),
                 load->seconds);
  }
  std::fprintf(out, "  \"seconds\": %.6f, \"requests\": %llu, \"values\": %llu, ", r.seconds,
               u(r.requests), u(r.values));
  std::fprintf(out, "\"errors\": %llu, \"unsent\": %llu, \"not_present\": %llu,\n", u(r.errors),
               u(r.unsent), u(r.not_present));
  std::fprintf(out, "  \"requests_per_s\": %.3f, \"values_per_s\": %.3f,\n",
               PerSecond(r.requests, r.seconds), PerSecond(r.values, r.seconds));
  PrintLatencyJson("latency_us", r.latency, out);
  if (o.rate > 0) PrintLatencyJson("send_lag_us", r.send_lag, out);
  std::fprintf(out, "  \"percentile_relative_error\": %.6f, \"client_cpu_s\": %.3f,\n",
               r.latency.relative_error(), r.client_cpu_seconds);
  std::fprintf(out, "  \"error_samples\": [");
  for (size_t i = 0; i < r.error_samples.size(); ++i) {
    std::fprintf(out, "%s%s", i ? ", " : "", JsonString(r.error_samples[i]).c_str());
  }
  std::fprintf(out, "]\n}\n");
}

}  // namespace asof::bench
