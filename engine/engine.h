// Engine: the time-versioned feature store of one node (DESIGN.md sections 3 and 4).
//
// One RocksDB instance with the column families `latest`, `history`, `registry`,
// `dedup` and `dlq`. The engine has no networking; asofd's dispatch calls it.
//
// Semantics (the contract the oracle test checks):
// - Latest wins by event time; a tie on event_ts goes to the later ingest_ts. ingest_ts
//   is max(clock now, previous ingest_ts + 1): strictly increasing, also across restarts
//   and clock steps backwards (a high-water mark is persisted), so no two versions tie.
// - Online read at now = the version with the greatest event_ts <= now (events dated in
//   the future stay invisible until their time comes), status OUTSIDE_MAX_AGE when
//   event_ts < now - ttl. An online read at now equals an as-of read at T = now.
// - As-of read at T = the version with the greatest event_ts <= T; replay mode also
//   requires ingest_ts <= T. OUTSIDE_MAX_AGE when event_ts < T - ttl. Replay at T equals
//   the online read at T once the clock has passed every ingest_ts handed out (a burst
//   of more than one record per microsecond runs ingest_ts ahead of the clock by up to
//   one microsecond per record).
// - The ttl applies to the stored version whatever its value: a stale explicit null is
//   OUTSIDE_MAX_AGE, like any other stale value.
// - A registered default is substituted for NOT_FOUND and OUTSIDE_MAX_AGE (the status is
//   kept and `default_used` is set); an explicit null stays NULL_VALUE.
// - A write batch is validated record by record; rejected records are reported with
//   their index and reason and kept in the dead-letter store; the accepted ones are
//   applied in one atomic WriteBatch. A repeated event_id inside the dedup window is
//   reported as a duplicate and not applied.
//
// Thread-safety: all methods may be called concurrently. Writes are serialized
// internally (the dedup check and ingest_ts assignment need it); reads never block on
// writes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.h"
#include "engine/drift_monitor.h"
#include "engine/feature.h"
#include "engine/registry.h"
#include "engine/served_log.h"
#include "engine/status.h"
#include "engine/value.h"

namespace asof {

struct EngineOptions {
  std::string path;  // data directory; created when missing
  // Acknowledge a write only after the WAL is fsynced. Off: acknowledged writes survive
  // a process crash (the WAL is in the page cache) but not a power loss.
  bool sync_writes = true;
  int64_t dedup_window_us = 24LL * 3600 * 1000000;  // how long an event_id is remembered
  // Events dated further than this into the future (by the engine clock) are rejected:
  // they are almost always a unit mistake (ns or ms taken for us).
  int64_t max_future_skew_us = 24LL * 3600 * 1000000;
  size_t block_cache_bytes = 512ull << 20;
  // Whole `latest` records cached by entity key in front of RocksDB, for online reads
  // (engine/internal/latest_cache.h); 0: none.
  size_t row_cache_bytes = 256ull << 20;
  size_t write_buffer_bytes = 64ull << 20;
  // Read SST files with O_DIRECT: the block cache (and the row cache) are then the only
  // caches, and a miss is a read from the device, not from the OS page cache.
  bool direct_reads = false;
  // Not owned; must outlive the engine. Tests pass a ManualClock.
  const Clock* clock = SystemClock::Default();
  DriftOptions drift;           // engine/drift_monitor.h
  ServedLogOptions served_log;  // engine/served_log.h
};

// Longest entity id and event id accepted, in bytes.
inline constexpr size_t kMaxEntityIdBytes = 1024;
inline constexpr size_t kMaxEventIdBytes = 256;
// Valid event timestamps: [0, kMaxEventTs] microseconds (1970 .. year 9999).
inline constexpr int64_t kMaxEventTs = 253402300799999999LL;

// Status of one served value; names follow Feast's ServingService.
enum class ValueStatus : uint8_t {
  kPresent = 0,
  kNullValue = 1,
  kNotFound = 2,
  kOutsideMaxAge = 3
};
std::string_view ValueStatusName(ValueStatus s);  // "PRESENT", "NULL_VALUE", ...

struct FeatureValue {
  ValueStatus status = ValueStatus::kNotFound;
  Value value;            // null unless PRESENT or default_used
  int64_t event_ts = 0;   // of the stored version; 0 when NOT_FOUND
  int64_t ingest_ts = 0;  // of the stored version; 0 when NOT_FOUND
  bool default_used = false;
  bool operator==(const FeatureValue&) const = default;
};

struct WriteRecord {
  std::string entity_type;
  std::string entity_id;
  std::string feature;              // "name" (newest version) or "name@N"
  Value value;                      // null writes an explicit NULL_VALUE
  std::optional<int64_t> event_ts;  // required
  std::string event_id;             // optional idempotency key; empty: none
  bool operator==(const WriteRecord&) const = default;
};

enum class RecordOutcome : uint8_t { kAccepted = 0, kDuplicate = 1, kRejected = 2 };

struct RecordProblem {
  size_t index;           // position in the batch
  RecordOutcome outcome;  // kDuplicate or kRejected
  Status reason;          // why it was rejected (OK for duplicates)
};

struct WriteResult {
  size_t accepted = 0;
  size_t duplicates = 0;
  size_t rejected = 0;
  std::vector<RecordProblem> problems;  // in index order; accepted records are not listed
};

struct OnlineRequest {
  std::string entity_type;
  std::vector<std::string> entity_ids;
  std::vector<std::string> features;  // "name" or "name@N"
};

struct OnlineResult {
  std::vector<FeaturePtr> features;  // as resolved, in request order
  size_t num_entities = 0;
  std::vector<FeatureValue> values;  // row-major: entity i, feature j at i * nf + j
  const FeatureValue& at(size_t entity, size_t feature) const {
    return values[entity * features.size() + feature];
  }
};

enum class AsOfMode : uint8_t { kEventTime = 0, kReplay = 1 };

struct AsOfSpec {
  AsOfSpec() = default;
  // The common case; the baseline members are set by name when wanted.
  AsOfSpec(std::string entity_type_in, std::vector<std::string> features_in,
           AsOfMode mode_in = AsOfMode::kEventTime)
      : entity_type(std::move(entity_type_in)), features(std::move(features_in)), mode(mode_in) {}

  std::string entity_type;
  std::vector<std::string> features;  // "name" or "name@N"
  AsOfMode mode = AsOfMode::kEventTime;
  // Non-empty: every chunk the join answers is added to this drift baseline
  // (DriftMonitor::RecordBaseline, with `baseline_origin`; written once, when the join is
  // destroyed), so the training set's distribution is what drift is measured against.
  // StartAsOf fails with kInvalidArgument for a bad id.
  std::string baseline_id;
  std::string baseline_origin = "export";
};

struct AsOfRow {
  std::string entity_id;
  int64_t ts = 0;  // T, microseconds
};

// A running as-of join: feed rows in chunks of any size; each chunk's answer comes back in
// the chunk's row order (row-major, rows x features). All chunks read one consistent
// snapshot taken at StartAsOf, so memory is bounded by the chunk, not by the whole input.
// Not thread-safe: one caller at a time. Must not outlive the engine.
class AsOfJoin {
 public:
  virtual ~AsOfJoin() = default;
  virtual const std::vector<FeaturePtr>& features() const = 0;
  virtual Result<std::vector<FeatureValue>> Next(std::span<const AsOfRow> rows) = 0;
};

// Key of a dead letter; listing resumes after one.
struct DeadLetterId {
  int64_t ingest_ts = 0;
  uint64_t seq = 0;
  auto operator<=>(const DeadLetterId&) const = default;
};

struct DeadLetter {
  DeadLetterId id;
  WriteRecord record;
  Status reason;
};

// A record rejected before it could become a WriteRecord (the HTTP API's JSON records:
// a missing member, a member of the wrong JSON type, an unknown feature, a bad
// timestamp), so it never reaches Write. `record` holds what could be read; the caller
// keeps whatever could not be read where a user can see it: the HTTP API stores the
// record's whole JSON text as `record.value`, a STRING.
struct DeadLetterInput {
  WriteRecord record;
  Status reason;  // not OK
};

struct EngineStats {
  uint64_t records_accepted = 0;
  uint64_t records_duplicate = 0;
  uint64_t records_rejected = 0;
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
};

// Write activity of one feature version. The timestamps and values_written are persisted
// with each write (one small merge per feature per batch) and survive a restart;
// values_last_hour is counted in memory per clock minute and restarts from zero.
struct FeatureActivity {
  uint32_t feature_id = 0;
  int64_t last_event_ts = 0;   // greatest event_ts accepted
  int64_t last_ingest_ts = 0;  // ingest_ts of the latest accepted write
  uint64_t values_written = 0;
  // Values accepted in the last 60 clock minutes (this minute included) since open.
  uint64_t values_last_hour = 0;
};

// Freshness of one feature (its newest version) against its freshness_sla at the engine
// clock's now.
struct FeatureFreshness {
  FeaturePtr feature;
  bool written = false;        // the version has ever been written
  int64_t last_event_ts = 0;   // when written
  int64_t last_ingest_ts = 0;  // when written
  // now - last_event_ts, at least 0 (an event dated in the future is not "late");
  // nullopt when never written.
  std::optional<int64_t> lag_us;
  uint64_t values_last_hour = 0;
  // freshness_sla_us > 0 and (lag > sla, or never written).
  bool stale = false;
};

// A bulk load's files, built by asof-import (SST files, engine/doc/formats.md): history
// puts and latest merge operands, every version carrying the ingest_ts that
// ReserveIngestTs handed out for this load.
struct BulkLoadFiles {
  std::vector<std::string> history;  // paths; each file sorted, no key twice
  std::vector<std::string> latest;
};

struct BulkLoadResult {
  uint64_t history_entries = 0;
  uint64_t latest_entries = 0;
};

enum class BulkFileKind : uint8_t { kHistory, kLatest };

// One bulk load in steps (Engine::StartBulkLoad), so that the expensive part, reading and
// checking every entry, can run file by file while later files are still being built:
//
//   Verify(file, kind)*  ->  Ingest(files, fingerprint)   (once)
//
// Verify checks one file as IngestBulkLoad does (below) and remembers the outcome by
// path; it never changes the store. Ingest verifies whatever listed file was not verified
// yet (or was verified as the other kind), fails with a file's recorded error if any
// listed file failed (the same kInvalidArgument text naming the file and the entry),
// and otherwise ingests exactly the listed files in one atomic IngestExternalFiles: the
// load applies fully or not at all, as with IngestBulkLoad. Files verified but not listed
// are ignored. A listed file must not change after its Verify: its outcome is trusted.
//
// Deprecation between Verify and Ingest: Ingest looks every feature the listed files
// write up again and fails (kInvalidArgument "... was deprecated ...", nothing applied)
// when one was deprecated in the meantime, so a load never writes a feature deprecated
// before its Ingest began. A deprecation racing with Ingest itself is ordered as with a
// streamed write: the load counts as written before it.
//
// Thread-safety: Verify may run concurrently for different files (each file is read by
// its own verifier), from any threads; Ingest must not overlap a Verify of the same load.
// Must not outlive the engine.
class BulkLoadSession {
 public:
  virtual ~BulkLoadSession() = default;
  virtual int64_t ingest_ts() const = 0;
  // kInvalidArgument naming the file and entry when the file fails verification.
  virtual Status Verify(const std::string& path, BulkFileKind kind) = 0;
  // See the class comment. After an Ingest (successful or not) the session is spent.
  virtual Result<BulkLoadResult> Ingest(const BulkLoadFiles& files,
                                        std::string_view fingerprint) = 0;
};

class Engine {
 public:
  // Opens (creating when missing) the store at options.path. kUnavailable when another
  // process holds it open.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  virtual ~Engine() = default;

  virtual Registry& registry() = 0;
  // Fed by every ReadOnline (and, for baselines, by as-of joins); live as long as the engine.
  virtual DriftMonitor& drift() = 0;
  virtual ServedLog& served_log() = 0;

  // Validates and applies a batch; see the class comment. A non-OK Result means nothing
  // was applied (an I/O failure); per-record rejections are in WriteResult.
  virtual Result<WriteResult> Write(std::span<const WriteRecord> records) = 0;

  // Latest values at the clock's now. kNotFound for an unknown entity type or feature,
  // kInvalidArgument for an empty or bad entity id.
  virtual Result<OnlineResult> ReadOnline(const OnlineRequest& request) = 0;

  // Starts an as-of join (errors as ReadOnline).
  virtual Result<std::unique_ptr<AsOfJoin>> StartAsOf(const AsOfSpec& spec) = 0;
  // Convenience: one chunk.
  Result<std::vector<FeatureValue>> ReadAsOf(const AsOfSpec& spec, std::span<const AsOfRow> rows);

  // Dead letters in arrival order, starting after `after` (from the beginning if unset).
  virtual Result<std::vector<DeadLetter>> ListDeadLetters(std::optional<DeadLetterId> after,
                                                          size_t limit) = 0;
  // Stores dead letters for records rejected before Write, in order, after every letter
  // stored before (same ids and ordering as Write's), in one durable write (synced with
  // sync_writes); counted in stats().records_rejected. The records are not validated: a
  // dead letter keeps whatever was received. kInvalidArgument (nothing stored) when a
  // reason is OK; any other error also means none was stored.
  virtual Status AddDeadLetters(std::span<const DeadLetterInput> letters) = 0;

  // Bulk load (asof-import). ReserveIngestTs hands out one ingest_ts for a whole load,
  // greater than any handed out before (the high-water mark is persisted). The caller
  // writes its files with it, then IngestBulkLoad verifies every file (each key parses
  // as a key of its column family, its entity type and feature exist and agree, each
  // value decodes as the feature's type, the ingest_ts is `ingest_ts`) and ingests all
  // of them in one atomic step (RocksDB IngestExternalFiles): after a crash the store
  // holds all of the load or none of it. Files are moved into the store on success and
  // left in place on failure. kInvalidArgument names the file and entry that failed
  // verification; nothing is applied then. `fingerprint` (non-empty) is recorded with
  // the load's ingest_ts once the files are in; BulkLoadApplied finds it again so that
  // a repeated load can be skipped.
  //
  // IngestBulkLoad is StartBulkLoad(ingest_ts) followed by Ingest(files, fingerprint);
  // StartBulkLoad lets a caller verify files one by one as they arrive
  // (BulkLoadSession). kInvalidArgument when `ingest_ts` was not handed out by
  // ReserveIngestTs.
  virtual Result<int64_t> ReserveIngestTs() = 0;
  virtual Result<std::unique_ptr<BulkLoadSession>> StartBulkLoad(int64_t ingest_ts) = 0;
  Result<BulkLoadResult> IngestBulkLoad(const BulkLoadFiles& files, int64_t ingest_ts,
                                        std::string_view fingerprint);
  // The ingest_ts of the applied load with this fingerprint; nullopt if none.
  virtual Result<std::optional<int64_t>> BulkLoadApplied(std::string_view fingerprint) = 0;

  virtual EngineStats stats() const = 0;
  // Features ever written, in feature id order. Cheap: no data is read.
  virtual std::vector<FeatureActivity> Activity() const = 0;
  // Every feature's newest version (deprecated ones only if asked): stale first, then by
  // lag descending (never written first), then by (entity, name). Cheap: no data is read.
  virtual std::vector<FeatureFreshness> Freshness(bool include_deprecated) const = 0;

  // Flushes memtables and compacts everything; applies compaction filters now. For
  // tests and maintenance.
  virtual Status CompactAll() = 0;
};

}  // namespace asof
