#include "engine/registry.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <functional>
#include <limits>
#include <mutex>
#include <set>
#include <utility>

#include "engine/catalog.h"
#include "engine/internal/registry_codec.h"

namespace asof {
namespace {

uint64_t NextInstance() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed) & 0xFFFFF;
}

constexpr size_t kMaxNameLength = 128;
constexpr uint64_t kMaxId = std::numeric_limits<uint32_t>::max();

using VersionList = std::vector<FeaturePtr>;  // oldest first; index = version - 1
using NameMap = std::map<std::string, VersionList, std::less<>>;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

// A parsed "name" or "name@N"; version 0 means the newest.
struct Ref {
  std::string_view name;
  uint32_t version = 0;
};

Result<Ref> ParseRef(std::string_view ref) {
  const size_t at = ref.find('@');
  if (at == std::string_view::npos) return Ref{ref, 0};
  std::string_view digits = ref.substr(at + 1);
  uint32_t version = 0;
  // Canonical digits only ("x@01" is rejected) so that one version has one spelling.
  bool ok = !digits.empty() && digits[0] != '0' &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (ok) {
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
    ok = ec == std::errc() && end == digits.data() + digits.size();
  }
  if (!ok || at == 0) {
    return InvalidArgument("bad feature reference '" + std::string(ref) +
                           "': expected name or name@N with N a positive integer");
  }
  return Ref{ref.substr(0, at), version};
}

std::string FeatureLabel(std::string_view entity, std::string_view name) {
  return "feature '" + std::string(name) + "' of entity type '" + std::string(entity) + "'";
}

// Names of the metadata fields that differ, e.g. "description, tags"; empty when none.
std::string ChangedFields(const FeatureSpec& a, const FeatureSpec& b) {
  std::string out;
  auto note = [&out](bool differs, const char* field) {
    if (!differs) return;
    if (!out.empty()) out += ", ";
    out += field;
  };
  note(a.description != b.description, "description");
  note(a.owner != b.owner, "owner");
  note(a.tags != b.tags, "tags");
  note(a.source != b.source, "source");
  note(a.transformation != b.transformation, "transformation");
  note(a.upstream != b.upstream, "upstream");
  note(a.freshness_sla_us != b.freshness_sla_us, "freshness_sla");
  note(a.ttl_us != b.ttl_us, "ttl");
  note(a.retention_us != b.retention_us, "retention");
  note(a.default_value != b.default_value, "default_value");
  return out;
}

Status WriteFailed(const rocksdb::Status& s) {
  return Internal("registry write failed: " + s.ToString());
}

}  // namespace

Status ValidateName(std::string_view kind, std::string_view name) {
  auto bad = [&](std::string_view why) {
    std::string shown(name.substr(0, kMaxNameLength));
    if (name.size() > kMaxNameLength) shown += "...";
    return Unprocessable("invalid " + std::string(kind) + " name '" + shown +
                         "': " + std::string(why));
  };
  if (name.empty()) return Unprocessable(std::string(kind) + " name is empty");
  if (name.size() > kMaxNameLength) return bad("longer than 128 characters");
  const char first = name[0];
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_')) {
    return bad("must start with a letter or '_'");
  }
  if (!std::all_of(name.begin(), name.end(), IsNameChar)) {
    return bad("only letters, digits, '_', '.' and '-' are allowed");
  }
  return Status::Ok();
}

// Concurrency: `write_mu` serializes changes (validate, write to RocksDB, apply), so a
// writer may read the maps without `mu`. `mu` guards the maps against readers; writers
// take it exclusively only to apply a change that is already durable, so lookups never
// wait for an fsync.
struct Registry::Impl {
  rocksdb::DB* db;
  rocksdb::ColumnFamilyHandle* cf;
  const Clock* clock;
  bool sync;

  std::mutex write_mu;
  mutable std::shared_mutex mu;
  // Guarded by `mu` (shared to read, exclusive plus `write_mu` to change).
  std::map<std::string, EntityType, std::less<>> entities;
  std::map<std::string, NameMap, std::less<>> features;  // entity -> name -> versions
  std::unordered_map<uint32_t, FeaturePtr> by_id;
  std::unordered_map<uint32_t, std::vector<FeatureChange>> history;
  // Process-unique id of this registry in its top 20 bits, bumped after every change
  // (under `mu` exclusive): Registry::version() for caches of resolutions.
  std::atomic<uint64_t> version{NextInstance() << 44};
  // Guarded by `write_mu`.
  uint64_t next_entity_id = 1;
  uint64_t next_feature_id = 1;
  std::unique_ptr<Catalog> catalog;

  Status LoadAll();
  Status LoadRecord(std::string_view key, std::string_view value);
  Status IndexFeatures();

  Status Write(rocksdb::WriteBatch* batch) {
    rocksdb::WriteOptions options;
    options.sync = sync;
    rocksdb::Status s = db->Write(options, batch);
    return s.ok() ? Status::Ok() : WriteFailed(s);
  }

  // Callers hold `mu` (shared) or `write_mu`.
  const VersionList* FindVersions(std::string_view entity, std::string_view name) const {
    auto e = features.find(entity);
    if (e == features.end()) return nullptr;
    auto n = e->second.find(name);
    return n == e->second.end() ? nullptr : &n->second;
  }
  Result<FeaturePtr> ResolveLocked(std::string_view entity, const Ref& ref) const;
  Status ValidateSpec(const FeatureSpec& spec) const;
  void Apply(const FeaturePtr& feature, FeatureChange change);

  class Plan;
};

Result<FeaturePtr> Registry::Impl::ResolveLocked(std::string_view entity, const Ref& ref) const {
  if (!entities.contains(entity)) {
    return NotFound("entity type '" + std::string(entity) + "' is not registered");
  }
  const VersionList* versions = FindVersions(entity, ref.name);
  if (versions == nullptr) return NotFound(FeatureLabel(entity, ref.name) + " is not registered");
  if (ref.version == 0) return versions->back();
  if (ref.version > versions->size()) {
    return NotFound(FeatureLabel(entity, ref.name) + " has no version " +
                    std::to_string(ref.version) + " (newest is " +
                    std::to_string(versions->size()) + ")");
  }
  return (*versions)[ref.version - 1];
}

Status Registry::Impl::ValidateSpec(const FeatureSpec& spec) const {
  RETURN_IF_ERROR(ValidateName("feature", spec.name));
  if (!entities.contains(spec.entity)) {
    return Unprocessable("entity type '" + spec.entity + "' is not registered");
  }
  const auto type = static_cast<uint8_t>(spec.value_type);
  if (spec.value_type == ValueType::kNull || type > kMaxValueType) {
    return Unprocessable(FeatureLabel(spec.entity, spec.name) + " needs a value type");
  }
  if (spec.freshness_sla_us < 0 || spec.ttl_us < 0 || spec.retention_us < 0) {
    return Unprocessable(FeatureLabel(spec.entity, spec.name) +
                         ": freshness_sla, ttl and retention must not be negative");
  }
  if (spec.default_value.has_value()) {
    Status s = CheckValueType(*spec.default_value, spec.value_type);
    if (!s.ok()) {
      return Unprocessable(FeatureLabel(spec.entity, spec.name) +
                           ": default value: " + s.message());
    }
  }
  return Status::Ok();
}

void Registry::Impl::Apply(const FeaturePtr& feature, FeatureChange change) {
  VersionList& versions = features[feature->spec.entity][feature->spec.name];
  if (feature->version > versions.size()) {
    versions.push_back(feature);
  } else {
    versions[feature->version - 1] = feature;
  }
  by_id[feature->id] = feature;
  history[feature->id].push_back(std::move(change));
}

// The changes of one registry operation: staged in a WriteBatch, then applied to the
// maps once the batch is durable. Later specs of one RegisterFeatures call see the
// staged effect of earlier ones. Used with `write_mu` held.
class Registry::Impl::Plan {
 public:
  explicit Plan(Impl* impl)
      : impl_(impl), now_(impl->clock->NowMicros()), next_id_(impl->next_feature_id) {}

  Result<Registered> Add(const FeatureSpec& spec, bool new_version);
  Status Deprecate(const FeaturePtr& feature);

  // Writes the batch; applies the changes only when the write succeeded.
  Status Commit() {
    if (staged_.empty()) return Status::Ok();
    RETURN_IF_ERROR(impl_->Write(&batch_));
    std::unique_lock lock(impl_->mu);
    for (auto& [feature, change] : staged_) impl_->Apply(feature, std::move(change));
    impl_->next_feature_id = next_id_;
    impl_->version.fetch_add(1, std::memory_order_release);
    return Status::Ok();
  }

 private:
  FeaturePtr Newest(const FeatureSpec& spec) const {
    auto it = overlay_.find({spec.entity, spec.name});
    if (it != overlay_.end()) return it->second;
    const VersionList* versions = impl_->FindVersions(spec.entity, spec.name);
    return versions == nullptr ? nullptr : versions->back();
  }
  FeaturePtr Newest(std::string_view entity, std::string_view name) const {
    FeatureSpec key;
    key.entity = entity;
    key.name = name;
    return Newest(key);
  }
  Status CheckUpstream(const FeatureSpec& spec) const;
  Result<FeaturePtr> NewVersion(const FeatureSpec& spec, uint32_t version);
  Status Stage(const FeaturePtr& feature, std::string what);

  Impl* impl_;
  int64_t now_;
  uint64_t next_id_;
  rocksdb::WriteBatch batch_;
  std::vector<std::pair<FeaturePtr, FeatureChange>> staged_;
  std::map<std::pair<std::string, std::string>, FeaturePtr> overlay_;  // newest, staged
};

// Upstream refs exist, and following them (as staged so far) never leads back to `spec`.
Status Registry::Impl::Plan::CheckUpstream(const FeatureSpec& spec) const {
  auto qualify = [](std::string_view owner_entity, const std::string& ref) {
    FeatureName f = SplitFeatureName(ref);
    if (f.entity.empty()) f.entity = owner_entity;
    return f;
  };
  const std::string self = spec.entity + ":" + spec.name;
  for (const std::string& ref : spec.upstream) {
    FeatureName f = qualify(spec.entity, ref);
    if (f.name.find('@') != std::string::npos || f.name.empty() || f.entity.empty()) {
      return Unprocessable(FeatureLabel(spec.entity, spec.name) + ": upstream '" + ref +
                           "': expected name or entity:name (features, not versions)");
    }
    if (f.entity + ":" + f.name != self && Newest(f.entity, f.name) == nullptr) {
      return Unprocessable(FeatureLabel(spec.entity, spec.name) + ": upstream " +
                           FeatureLabel(f.entity, f.name) + " is not registered");
    }
  }
  // Depth-first search from `spec` over upstream edges; `path` is the current chain.
  std::vector<std::string> path{self};
  std::set<std::string> done;
  std::function<Status(const FeatureSpec&)> visit = [&](const FeatureSpec& s) -> Status {
    for (const std::string& ref : s.upstream) {
      FeatureName f = qualify(s.entity, ref);
      const std::string id = f.entity + ":" + f.name;
      if (id == self) {
        std::string cycle;
        for (const std::string& p : path) cycle += p + " -> ";
        return Unprocessable("upstream of " + FeatureLabel(spec.entity, spec.name) +
                             " would form a cycle: " + cycle + self);
      }
      if (!done.insert(id).second) continue;
      FeaturePtr next = Newest(f.entity, f.name);
      if (next == nullptr) continue;
      path.push_back(id);
      RETURN_IF_ERROR(visit(next->spec));
      path.pop_back();
    }
    return Status::Ok();
  };
  return visit(spec);
}

Result<Registry::Registered> Registry::Impl::Plan::Add(const FeatureSpec& spec, bool new_version) {
  RETURN_IF_ERROR(impl_->ValidateSpec(spec));
  RETURN_IF_ERROR(CheckUpstream(spec));
  FeaturePtr newest = Newest(spec);
  if (newest == nullptr || newest->spec.value_type != spec.value_type) {
    if (newest != nullptr && !new_version) {
      return Conflict(FeatureLabel(spec.entity, spec.name) + " has value type " +
                      std::string(ValueTypeName(newest->spec.value_type)) + "; changing it to " +
                      std::string(ValueTypeName(spec.value_type)) +
                      " is a schema change and needs a new version");
    }
    ASSIGN_OR_RETURN(FeaturePtr created, NewVersion(spec, newest ? newest->version + 1 : 1));
    overlay_[{spec.entity, spec.name}] = created;
    return Registered{newest ? Outcome::kNewVersion : Outcome::kCreated, std::move(created)};
  }
  std::string changed = ChangedFields(newest->spec, spec);
  if (changed.empty()) return Registered{Outcome::kUnchanged, newest};
  auto updated = std::make_shared<Feature>(*newest);
  updated->spec = spec;
  updated->revision += 1;
  updated->updated_us = now_;
  RETURN_IF_ERROR(Stage(updated, changed + " changed"));
  overlay_[{spec.entity, spec.name}] = updated;
  return Registered{Outcome::kUpdated, std::move(updated)};
}

Result<FeaturePtr> Registry::Impl::Plan::NewVersion(const FeatureSpec& spec, uint32_t version) {
  if (next_id_ > kMaxId) {
    return Status(ErrorCode::kResourceExhausted, "no feature ids left in the registry");
  }
  auto feature = std::make_shared<Feature>();
  feature->spec = spec;
  feature->id = static_cast<uint32_t>(next_id_++);
  feature->version = version;
  feature->created_us = now_;
  feature->updated_us = now_;
  RETURN_IF_ERROR(Stage(feature, "registered"));
  return FeaturePtr(std::move(feature));
}

Status Registry::Impl::Plan::Deprecate(const FeaturePtr& feature) {
  auto deprecated = std::make_shared<Feature>(*feature);
  deprecated->deprecated = true;
  deprecated->revision += 1;
  deprecated->updated_us = now_;
  return Stage(deprecated, "deprecated");
}

Status Registry::Impl::Plan::Stage(const FeaturePtr& feature, std::string what) {
  FeatureChange change{feature->revision, now_, std::move(what)};
  std::string value;
  internal::EncodeFeature(*feature, &value);
  rocksdb::Status s = batch_.Put(impl_->cf, internal::FeatureKey(feature->id), value);
  if (!s.ok()) return WriteFailed(s);
  internal::EncodeFeatureChange(change, &value);
  s = batch_.Put(impl_->cf, internal::FeatureChangeKey(feature->id, feature->revision), value);
  if (!s.ok()) return WriteFailed(s);
  staged_.emplace_back(feature, std::move(change));
  return Status::Ok();
}

// ---- Loading -------------------------------------------------------------------------

Status Registry::Impl::LoadAll() {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    RETURN_IF_ERROR(LoadRecord(it->key().ToStringView(), it->value().ToStringView()));
  }
  if (!it->status().ok()) return Internal("registry load failed: " + it->status().ToString());
  return IndexFeatures();
}

// Keys sort 'E' < 'F' < 'H', so entity types and features are known before the history
// that refers to them. Other kind bytes are left to other owners of the column family.
Status Registry::Impl::LoadRecord(std::string_view key, std::string_view value) {
  if (key.empty()) return Internal("corrupt registry record: empty key");
  switch (key[0]) {
    case internal::kEntityTypeKind: {
      ASSIGN_OR_RETURN(EntityType e, internal::DecodeEntityType(value));
      if (key.substr(1) != e.name || e.id == 0) {
        return Internal("corrupt registry record: entity type '" + e.name + "'");
      }
      next_entity_id = std::max<uint64_t>(next_entity_id, uint64_t{e.id} + 1);
      entities.emplace(e.name, std::move(e));
      return Status::Ok();
    }
    case internal::kFeatureKind: {
      ASSIGN_OR_RETURN(uint32_t id, internal::ParseFeatureKey(key));
      ASSIGN_OR_RETURN(Feature f, internal::DecodeFeature(value));
      if (f.id != id || id == 0 || f.version == 0 || f.spec.value_type == ValueType::kNull) {
        return Internal("corrupt registry record: feature " + std::to_string(id));
      }
      next_feature_id = std::max<uint64_t>(next_feature_id, uint64_t{id} + 1);
      by_id.emplace(id, std::make_shared<const Feature>(std::move(f)));
      return Status::Ok();
    }
    case internal::kFeatureChangeKind: {
      ASSIGN_OR_RETURN(internal::FeatureChangeKeyParts parts, internal::ParseFeatureChangeKey(key));
      ASSIGN_OR_RETURN(FeatureChange change, internal::DecodeFeatureChange(value));
      if (change.revision != parts.revision || !by_id.contains(parts.id)) {
        return Internal("corrupt registry record: history of feature " + std::to_string(parts.id));
      }
      history[parts.id].push_back(std::move(change));
      return Status::Ok();
    }
    default:
      return Status::Ok();
  }
}

// Builds entity -> name -> versions and checks that versions are exactly 1..N.
Status Registry::Impl::IndexFeatures() {
  for (const auto& [id, feature] : by_id) {
    const FeatureSpec& spec = feature->spec;
    if (!entities.contains(spec.entity)) {
      return Internal("corrupt registry record: feature " + std::to_string(id) +
                      " of unknown entity type '" + spec.entity + "'");
    }
    features[spec.entity][spec.name].push_back(feature);
  }
  for (auto& [entity, names] : features) {
    for (auto& [name, versions] : names) {
      std::sort(versions.begin(), versions.end(),
                [](const FeaturePtr& a, const FeaturePtr& b) { return a->version < b->version; });
      for (size_t i = 0; i < versions.size(); ++i) {
        if (versions[i]->version != i + 1) {
          return Internal("corrupt registry record: versions of " + FeatureLabel(entity, name));
        }
      }
    }
  }
  return Status::Ok();
}

// ---- Registry ------------------------------------------------------------------------

Registry::Registry(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const Clock* clock, bool sync)
    : impl_(std::make_unique<Impl>()) {
  impl_->db = db;
  impl_->cf = cf;
  impl_->clock = clock;
  impl_->sync = sync;
}

Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                                 const Clock* clock, bool sync_writes) {
  std::unique_ptr<Registry> registry(new Registry(db, cf, clock, sync_writes));
  Impl& impl = *registry->impl_;
  RETURN_IF_ERROR(impl.LoadAll());
  ASSIGN_OR_RETURN(impl.catalog, Catalog::Load(db, cf, clock, sync_writes, registry.get()));
  return registry;
}

Result<EntityType> Registry::RegisterEntityType(std::string_view name,
                                                std::string_view description) {
  RETURN_IF_ERROR(ValidateName("entity type", name));
  std::lock_guard write_lock(impl_->write_mu);
  EntityType entity;
  auto it = impl_->entities.find(name);
  const bool is_new = it == impl_->entities.end();
  if (!is_new) {
    if (description.empty() || description == it->second.description) return it->second;
    entity = it->second;
    entity.description = std::string(description);
  } else {
    if (impl_->next_entity_id > kMaxId) {
      return Status(ErrorCode::kResourceExhausted, "no entity type ids left in the registry");
    }
    entity = EntityType{static_cast<uint32_t>(impl_->next_entity_id), std::string(name),
                        std::string(description), impl_->clock->NowMicros()};
  }
  std::string value;
  internal::EncodeEntityType(entity, &value);
  rocksdb::WriteBatch batch;
  rocksdb::Status s = batch.Put(impl_->cf, internal::EntityTypeKey(name), value);
  if (!s.ok()) return WriteFailed(s);
  RETURN_IF_ERROR(impl_->Write(&batch));
  std::unique_lock lock(impl_->mu);
  if (is_new) ++impl_->next_entity_id;
  impl_->entities.insert_or_assign(entity.name, entity);
  impl_->version.fetch_add(1, std::memory_order_release);
  return entity;
}

Result<EntityType> Registry::GetEntityType(std::string_view name) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->entities.find(name);
  if (it == impl_->entities.end()) {
    return NotFound("entity type '" + std::string(name) + "' is not registered");
  }
  return it->second;
}

std::vector<EntityType> Registry::ListEntityTypes() const {
  std::shared_lock lock(impl_->mu);
  std::vector<EntityType> out;
  out.reserve(impl_->entities.size());
  for (const auto& [name, entity] : impl_->entities) out.push_back(entity);
  return out;
}

Result<Registry::Registered> Registry::RegisterFeature(const FeatureSpec& spec, bool new_version) {
  ASSIGN_OR_RETURN(std::vector<Registered> registered,
                   RegisterFeatures(std::span<const FeatureSpec>(&spec, 1), new_version));
  return std::move(registered.front());
}

Result<std::vector<Registry::Registered>> Registry::RegisterFeatures(
    std::span<const FeatureSpec> specs, bool new_version) {
  std::lock_guard write_lock(impl_->write_mu);
  Impl::Plan plan(impl_.get());
  std::vector<Registered> out;
  out.reserve(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    Result<Registered> r = plan.Add(specs[i], new_version);
    if (!r.ok()) {
      if (specs.size() == 1) return r.status();
      return Status(r.status().code(), "specs[" + std::to_string(i) + "]: " + r.status().message() +
                                           " (nothing was registered)");
    }
    out.push_back(std::move(r).value());
  }
  RETURN_IF_ERROR(plan.Commit());
  return out;
}

Result<FeaturePtr> Registry::Resolve(std::string_view entity, std::string_view ref) const {
  ASSIGN_OR_RETURN(Ref parsed, ParseRef(ref));
  std::shared_lock lock(impl_->mu);
  return impl_->ResolveLocked(entity, parsed);
}

namespace {

// The last successful ResolveMany of this thread. Model servers ask for the same feature
// list request after request, and resolving it under the shared lock (map lookups, a
// ref parse per feature) cost more than the RocksDB lookup of a cached record.
struct ResolveCache {
  uint64_t version = 0;  // Registry::version() when resolved; 0: empty
  std::string entity;
  std::vector<std::string> refs;
  Registry::Resolved resolved;

  bool Matches(uint64_t v, std::string_view e, std::span<const std::string> r) const {
    return version == v && entity == e && std::equal(refs.begin(), refs.end(), r.begin(), r.end());
  }
};
thread_local ResolveCache resolve_cache;

}  // namespace

Result<Registry::Resolved> Registry::ResolveMany(std::string_view entity,
                                                 std::span<const std::string> refs) const {
  const uint64_t v = version();
  if (resolve_cache.Matches(v, entity, refs)) return resolve_cache.resolved;
  ASSIGN_OR_RETURN(Resolved out, ResolveManyLocked(entity, refs));
  resolve_cache.version = v;  // read before resolving: a change in between misses next time
  resolve_cache.entity.assign(entity);
  resolve_cache.refs.assign(refs.begin(), refs.end());
  resolve_cache.resolved = out;
  return out;
}

Result<Registry::Resolved> Registry::ResolveManyLocked(std::string_view entity,
                                                       std::span<const std::string> refs) const {
  Resolved out;
  out.features.reserve(refs.size());
  std::shared_lock lock(impl_->mu);
  auto et = impl_->entities.find(entity);
  if (et == impl_->entities.end()) {
    return NotFound("entity type '" + std::string(entity) + "' is not registered");
  }
  out.entity_type_id = et->second.id;
  auto names = impl_->features.find(entity);
  for (const std::string& ref : refs) {
    ASSIGN_OR_RETURN(Ref parsed, ParseRef(ref));
    const VersionList* versions = nullptr;
    if (names != impl_->features.end()) {
      auto it = names->second.find(parsed.name);
      if (it != names->second.end()) versions = &it->second;
    }
    if (versions == nullptr || parsed.version > versions->size()) {
      return impl_->ResolveLocked(entity, parsed).status();  // the one wording of NOT_FOUND
    }
    out.features.push_back(parsed.version == 0 ? versions->back()
                                               : (*versions)[parsed.version - 1]);
  }
  return out;
}

uint64_t Registry::version() const { return impl_->version.load(std::memory_order_acquire); }

FeaturePtr Registry::FindById(uint32_t id) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->by_id.find(id);
  return it == impl_->by_id.end() ? nullptr : it->second;
}

Result<std::vector<FeaturePtr>> Registry::Versions(std::string_view entity,
                                                   std::string_view name) const {
  std::shared_lock lock(impl_->mu);
  RETURN_IF_ERROR(impl_->ResolveLocked(entity, Ref{name, 0}).status());
  return *impl_->FindVersions(entity, name);
}

Result<std::vector<FeatureChange>> Registry::History(std::string_view entity,
                                                     std::string_view ref) const {
  ASSIGN_OR_RETURN(Ref parsed, ParseRef(ref));
  std::shared_lock lock(impl_->mu);
  ASSIGN_OR_RETURN(FeaturePtr feature, impl_->ResolveLocked(entity, parsed));
  auto it = impl_->history.find(feature->id);
  if (it == impl_->history.end()) return std::vector<FeatureChange>();
  return it->second;
}

Status Registry::Deprecate(std::string_view entity, std::string_view ref) {
  ASSIGN_OR_RETURN(Ref parsed, ParseRef(ref));
  std::lock_guard write_lock(impl_->write_mu);
  ASSIGN_OR_RETURN(FeaturePtr target, impl_->ResolveLocked(entity, parsed));
  Impl::Plan plan(impl_.get());
  if (parsed.version != 0) {
    if (!target->deprecated) RETURN_IF_ERROR(plan.Deprecate(target));
  } else {
    for (const FeaturePtr& v : *impl_->FindVersions(entity, parsed.name)) {
      if (!v->deprecated) RETURN_IF_ERROR(plan.Deprecate(v));
    }
  }
  return plan.Commit();
}

Catalog& Registry::catalog() { return *impl_->catalog; }
const Catalog& Registry::catalog() const { return *impl_->catalog; }

std::vector<FeaturePtr> Registry::List(const FeatureFilter& filter) const {
  auto matches = [&](const Feature& f) {
    const FeatureSpec& s = f.spec;
    return (filter.include_deprecated || !f.deprecated) &&
           (filter.owner.empty() || s.owner == filter.owner) &&
           (filter.tag.empty() ||
            std::find(s.tags.begin(), s.tags.end(), filter.tag) != s.tags.end()) &&
           (filter.text.empty() || SearchRank(s, filter.text) > 0);
  };
  std::shared_lock lock(impl_->mu);
  std::vector<FeaturePtr> out;
  auto add = [&](const NameMap& names) {
    for (const auto& [name, versions] : names) {
      if (matches(*versions.back())) out.push_back(versions.back());
    }
  };
  auto ranked = [&] {
    std::vector<std::pair<int, FeaturePtr>> by_rank;
    for (FeaturePtr& f : out) by_rank.emplace_back(SearchRank(f->spec, filter.text), std::move(f));
    std::stable_sort(by_rank.begin(), by_rank.end(), [](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first > b.first;
      return a.second->spec.name < b.second->spec.name;  // equal names: entity order stays
    });
    out.clear();
    for (auto& [rank, f] : by_rank) out.push_back(std::move(f));
    return std::move(out);
  };
  if (filter.entity.empty()) {
    for (const auto& [entity, names] : impl_->features) add(names);
  } else if (auto it = impl_->features.find(filter.entity); it != impl_->features.end()) {
    add(it->second);
  }
  return filter.text.empty() ? out : ranked();
}

}  // namespace asof
