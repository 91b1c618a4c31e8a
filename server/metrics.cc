// Metrics: fixed arrays of relaxed atomic counters, turned into Prometheus text format
// 0.0.4 on demand. Our own small implementation: Debian packages no prometheus-cpp.
#include "server/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <mutex>

#include "engine/check.h"

namespace asof::server {

namespace {

// The statuses the API answers with; anything else is counted as "other".
constexpr std::array<int, 14> kHttpCodes = {200, 201, 400, 401, 403, 404, 405,
                                            409, 413, 422, 429, 431, 500, 503};
constexpr size_t kNumHttpCodes = kHttpCodes.size() + 1;
// Route ids are handed out once at start-up; the API has a few dozen routes.
constexpr size_t kMaxHttpRoutes = 128;
constexpr size_t kNumMessageTypes = wire::kMaxMessageType + 1;
constexpr size_t kNumErrorCodes = static_cast<size_t>(ErrorCode::kInternal) + 1;

constexpr std::array<std::string_view, kNumProtocols> kProtocolNames = {"native", "http", "resp"};
constexpr std::array<std::string_view, kNumOperations> kOperationNames = {
    "online", "asof", "ingest", "registry", "other"};

// 50 us to 10 s, roughly 1-2.5-5 per decade.
std::vector<double> LatencyBounds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,    0.1,    0.25,    0.5,    1.0,   2.5,    5.0,   10.0};
}

size_t HttpCodeIndex(int status) {
  for (size_t i = 0; i < kHttpCodes.size(); ++i) {
    if (kHttpCodes[i] == status) return i;
  }
  return kHttpCodes.size();
}

void AppendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, ec == std::errc() ? end : buf);
}

void AppendUint(uint64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, ec == std::errc() ? end : buf);
}

// A label value as the format wants it: backslash, double quote and newline escaped.
void AppendLabelValue(std::string_view v, std::string* out) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '"':
        out->append("\\\"");
        break;
      case '\n':
        out->append("\\n");
        break;
      default:
        out->push_back(c);
    }
  }
}

// Builds `a="x",b="y"` from name/value pairs.
std::string Labels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back(',');
    out.append(name);
    out.append("=\"");
    AppendLabelValue(value, &out);
    out.push_back('"');
  }
  return out;
}

void AppendHeader(std::string_view name, std::string_view type, std::string_view help,
                  std::string* out) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void AppendSample(std::string_view name, std::string_view labels, double value, std::string* out) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->push_back(' ');
  AppendDouble(value, out);
  out->push_back('\n');
}

void AppendSample(std::string_view name, std::string_view labels, uint64_t value,
                  std::string* out) {
  out->append(name);
  if (!labels.empty()) out->append("{").append(labels).append("}");
  out->push_back(' ');
  AppendUint(value, out);
  out->push_back('\n');
}

uint64_t Load(const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); }
void Bump(std::atomic<uint64_t>& a, uint64_t n = 1) { a.fetch_add(n, std::memory_order_relaxed); }

}  // namespace

// ---- Histogram ---------------------------------------------------------------------

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  ASOF_CHECK(std::is_sorted(bounds_.begin(), bounds_.end())) << "histogram bounds unsorted";
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // also NaN: a clock that stepped back
  // Each observation lands in one bucket; Render makes them cumulative. "le" is
  // inclusive, so the first bound >= seconds.
  const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), seconds) -
                                       bounds_.begin());
  Bump(counts_[i]);
  Bump(sum_ns_, static_cast<uint64_t>(std::llround(std::min(seconds, 1e9) * 1e9)));
  Bump(count_);
}

void Histogram::Render(std::string_view name, std::string_view labels, std::string* out) const {
  const std::string bucket = std::string(name) + "_bucket";
  const std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
  uint64_t cumulative = 0;
  std::string le;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += Load(counts_[i]);
    le.clear();
    if (i < bounds_.size()) {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), bounds_[i], std::chars_format::fixed);
      le.assign(buf, ec == std::errc() ? end : buf);
    } else {
      le = "+Inf";
    }
    AppendSample(bucket, prefix + "le=\"" + le + "\"", cumulative, out);
  }
  AppendSample(std::string(name) + "_sum", labels, static_cast<double>(Load(sum_ns_)) / 1e9, out);
  // The +Inf bucket, not count_: updates race with rendering, and the format wants
  // _count equal to the +Inf bucket.
  AppendSample(std::string(name) + "_count", labels, cumulative, out);
}

// ---- Metrics -----------------------------------------------------------------------

struct Metrics::Impl {
  explicit Impl(Engine* e) : engine(e), write_group(LatencyBounds()) {
    route_names[0] = "unmatched";
    for (auto& h : latency) h = std::make_unique<Histogram>(LatencyBounds());
  }

  Engine* const engine;

  std::mutex routes_mu;  // serializes AddHttpRoute
  std::array<std::string, kMaxHttpRoutes> route_names;
  // Names below this are written and never change again (published with release).
  std::atomic<size_t> num_routes{1};
  std::array<std::atomic<uint64_t>, kMaxHttpRoutes * kNumHttpCodes> http{};
  std::array<std::atomic<uint64_t>, kNumMessageTypes * kNumErrorCodes> native{};
  std::array<std::unique_ptr<Histogram>, kNumProtocols * kNumOperations> latency;
  Histogram write_group;
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> rate_limited{0};
  std::atomic<uint64_t> shed{0};
};

Metrics::Metrics(Engine* engine) : impl_(std::make_unique<Impl>(engine)) {}
Metrics::~Metrics() = default;

size_t Metrics::AddHttpRoute(std::string_view name) {
  std::lock_guard<std::mutex> lock(impl_->routes_mu);
  const size_t n = impl_->num_routes.load(std::memory_order_relaxed);
  for (size_t i = 1; i < n; ++i) {
    if (impl_->route_names[i] == name) return i;
  }
  ASOF_CHECK(n < kMaxHttpRoutes) << "more than " << kMaxHttpRoutes << " HTTP routes";
  impl_->route_names[n] = std::string(name);
  impl_->num_routes.store(n + 1, std::memory_order_release);
  return n;
}

void Metrics::CountHttp(size_t route_id, int status) {
  if (route_id >= impl_->num_routes.load(std::memory_order_relaxed)) route_id = 0;
  Bump(impl_->http[route_id * kNumHttpCodes + HttpCodeIndex(status)]);
}

void Metrics::CountNative(wire::MessageType type, ErrorCode code) {
  const size_t t = static_cast<size_t>(type);
  const size_t c = static_cast<size_t>(code);
  if (t >= kNumMessageTypes || c >= kNumErrorCodes) return;
  Bump(impl_->native[t * kNumErrorCodes + c]);
}

void Metrics::ObserveLatency(Protocol protocol, Operation operation, double seconds) {
  const size_t p = static_cast<size_t>(protocol);
  const size_t o = static_cast<size_t>(operation);
  if (p >= kNumProtocols || o >= kNumOperations) return;
  impl_->latency[p * kNumOperations + o]->Observe(seconds);
}

void Metrics::ObserveWriteGroup(double seconds) { impl_->write_group.Observe(seconds); }

void Metrics::CountRecords(const WriteResult& result) {
  if (result.accepted > 0) Bump(impl_->accepted, result.accepted);
  if (result.duplicates > 0) Bump(impl_->duplicates, result.duplicates);
  if (result.rejected > 0) Bump(impl_->rejected, result.rejected);
}

void Metrics::CountRateLimited() { Bump(impl_->rate_limited); }
void Metrics::CountShed() { Bump(impl_->shed); }

std::string Metrics::Render() const {
  const Impl& m = *impl_;
  std::string out;
  out.reserve(16 * 1024);

  AppendHeader("asof_up", "gauge", "1 while asofd serves.", &out);
  AppendSample("asof_up", "", uint64_t{1}, &out);
  AppendHeader("asof_build_info", "gauge", "asofd's version, as a label; always 1.", &out);
  AppendSample("asof_build_info", Labels({{"version", ASOF_SERVER_VERSION}}), uint64_t{1}, &out);

  // Series that never moved are left out: most (type, code) and (route, status) pairs
  // never happen, and a missing counter reads as 0.
  AppendHeader("asof_http_requests_total", "counter",
               "HTTP requests answered, by route and status code.", &out);
  const size_t routes = m.num_routes.load(std::memory_order_acquire);
  for (size_t r = 0; r < routes; ++r) {
    for (size_t c = 0; c < kNumHttpCodes; ++c) {
      const uint64_t n = Load(m.http[r * kNumHttpCodes + c]);
      if (n == 0) continue;
      const std::string code = c < kHttpCodes.size() ? std::to_string(kHttpCodes[c]) : "other";
      AppendSample("asof_http_requests_total",
                   Labels({{"route", m.route_names[r]}, {"code", code}}), n, &out);
    }
  }

  AppendHeader("asof_native_requests_total", "counter",
               "Native protocol requests answered, by request type and error code.", &out);
  for (size_t t = 0; t < kNumMessageTypes; ++t) {
    for (size_t c = 0; c < kNumErrorCodes; ++c) {
      const uint64_t n = Load(m.native[t * kNumErrorCodes + c]);
      if (n == 0) continue;
      AppendSample("asof_native_requests_total",
                   Labels({{"type", wire::MessageTypeName(static_cast<wire::MessageType>(t))},
                           {"code", ErrorCodeName(static_cast<ErrorCode>(c))}}),
                   n, &out);
    }
  }

  AppendHeader("asof_request_duration_seconds", "histogram",
               "Request latency from parsed request to answer, by protocol and operation.", &out);
  for (size_t p = 0; p < kNumProtocols; ++p) {
    for (size_t o = 0; o < kNumOperations; ++o) {
      const Histogram& h = *m.latency[p * kNumOperations + o];
      if (h.count() == 0) continue;
      h.Render("asof_request_duration_seconds",
               Labels({{"protocol", kProtocolNames[p]}, {"operation", kOperationNames[o]}}), &out);
    }
  }

  AppendHeader("asof_write_group_duration_seconds", "histogram",
               "Duration of one group commit: the engine write of a group of requests.", &out);
  m.write_group.Render("asof_write_group_duration_seconds", "", &out);

  AppendHeader("asof_records_total", "counter", "Records written, by outcome.", &out);
  AppendSample("asof_records_total", Labels({{"outcome", "accepted"}}), Load(m.accepted), &out);
  AppendSample("asof_records_total", Labels({{"outcome", "duplicate"}}), Load(m.duplicates), &out);
  AppendSample("asof_records_total", Labels({{"outcome", "rejected"}}), Load(m.rejected), &out);

  AppendHeader("asof_rate_limited_total", "counter",
               "Requests refused by a token's rate limit (HTTP 429).", &out);
  AppendSample("asof_rate_limited_total", "", Load(m.rate_limited), &out);
  AppendHeader("asof_shed_total", "counter",
               "Requests refused because too many were in flight (HTTP 503).", &out);
  AppendSample("asof_shed_total", "", Load(m.shed), &out);

  AppendHeader("asof_inflight_requests", "gauge", "Requests being served, by protocol.", &out);
  for (size_t p = 0; p < kNumProtocols; ++p) {
    AppendSample("asof_inflight_requests", Labels({{"protocol", kProtocolNames[p]}}),
                 static_cast<double>(inflight_[p].load(std::memory_order_relaxed)), &out);
  }
  AppendHeader("asof_connections", "gauge", "Open client connections, by protocol.", &out);
  for (size_t p = 0; p < kNumProtocols; ++p) {
    AppendSample("asof_connections", Labels({{"protocol", kProtocolNames[p]}}),
                 static_cast<double>(connections_[p].load(std::memory_order_relaxed)), &out);
  }

  if (m.engine == nullptr) return out;

  const EngineStats stats = m.engine->stats();
  AppendHeader("asof_block_cache_hits_total", "counter", "RocksDB block cache hits.", &out);
  AppendSample("asof_block_cache_hits_total", "", stats.block_cache_hits, &out);
  AppendHeader("asof_block_cache_misses_total", "counter", "RocksDB block cache misses.", &out);
  AppendSample("asof_block_cache_misses_total", "", stats.block_cache_misses, &out);
  const uint64_t lookups = stats.block_cache_hits + stats.block_cache_misses;
  AppendHeader("asof_block_cache_hit_ratio", "gauge",
               "Block cache hits over lookups since start (0 before any lookup).", &out);
  AppendSample("asof_block_cache_hit_ratio", "",
               lookups == 0
                   ? 0.0
                   : static_cast<double>(stats.block_cache_hits) / static_cast<double>(lookups),
               &out);

  // Per feature version ever written (persisted activity); the registry supplies the names.
  std::string last_event;
  std::string written;
  for (const FeatureActivity& a : m.engine->Activity()) {
    FeaturePtr f = m.engine->registry().FindById(a.feature_id);
    if (f == nullptr) continue;
    const std::string labels = Labels({{"entity", f->spec.entity},
                                       {"feature", f->spec.name},
                                       {"version", std::to_string(f->version)}});
    AppendSample("asof_feature_last_event_timestamp_seconds", labels,
                 static_cast<double>(a.last_event_ts) / 1e6, &last_event);
    AppendSample("asof_feature_values_written_total", labels, a.values_written, &written);
  }
  AppendHeader("asof_feature_last_event_timestamp_seconds", "gauge",
               "Greatest event time written to a feature version (Unix seconds).", &out);
  out.append(last_event);
  AppendHeader("asof_feature_values_written_total", "counter",
               "Values accepted for a feature version.", &out);
  out.append(written);

  // Freshness of the newest versions; a feature never written has no staleness sample.
  std::string staleness;
  uint64_t stale = 0;
  for (const FeatureFreshness& f : m.engine->Freshness(/*include_deprecated=*/false)) {
    stale += f.stale ? 1 : 0;
    if (!f.lag_us) continue;
    AppendSample("asof_feature_staleness_seconds",
                 Labels({{"entity", f.feature->spec.entity}, {"feature", f.feature->spec.name}}),
                 static_cast<double>(*f.lag_us) / 1e6, &staleness);
  }
  AppendHeader("asof_feature_staleness_seconds", "gauge",
               "Now minus the greatest event time of a feature's newest version.", &out);
  out.append(staleness);
  AppendHeader("asof_stale_features", "gauge",
               "Features past their freshness SLA, never-written ones with an SLA included.", &out);
  AppendSample("asof_stale_features", "", stale, &out);

  // Drift as the alerts see it: against each feature's newest baseline over the default
  // window. Cheap at scrape time: a few merged sketches per feature with a baseline. When
  // the monitor fails, the families are left without samples (the error is the API's to
  // report).
  std::string ks;
  uint64_t drifting = 0;
  if (Result<std::vector<FeatureDrift>> drift = m.engine->drift().Drift(DriftQuery{}); drift.ok()) {
    for (const FeatureDrift& d : *drift) {
      drifting += d.drifting ? 1 : 0;
      if (!d.ks || !std::isfinite(*d.ks)) continue;
      AppendSample("asof_feature_drift_ks",
                   Labels({{"entity", d.feature->spec.entity},
                           {"feature", d.feature->spec.name},
                           {"version", std::to_string(d.feature->version)}}),
                   *d.ks, &ks);
    }
  }
  AppendHeader("asof_feature_drift_ks", "gauge",
               "Kolmogorov-Smirnov distance of served values from the newest baseline.", &out);
  out.append(ks);
  AppendHeader("asof_drifting_features", "gauge",
               "Features drifting from their newest baseline, as in GET /api/monitoring/alerts.",
               &out);
  AppendSample("asof_drifting_features", "", drifting, &out);
  return out;
}

}  // namespace asof::server
