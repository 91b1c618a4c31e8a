#include "engine/catalog.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "engine/internal/registry_codec.h"
#include "engine/registry.h"

namespace asof {
namespace {

constexpr size_t kMaxConsumerVersion = 64;

Status ValidateConsumerVersion(std::string_view version) {
  // The version is part of the key after a '\0' separator and of "name@version" labels.
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  };
  if (version.size() > kMaxConsumerVersion || !std::all_of(version.begin(), version.end(), ok)) {
    return Unprocessable("invalid consumer version '" + std::string(version.substr(0, 64)) +
                         "': at most 64 of letters, digits, '_', '.' and '-'");
  }
  return Status::Ok();
}

// Objects equal except for their timestamps are unchanged.
template <typename T>
bool SameContent(T a, const T& b) {
  a.created_us = b.created_us;
  a.updated_us = b.updated_us;
  return a == b;
}

}  // namespace

Result<SourceKind> ParseSourceKind(std::string_view text) {
  if (text == "table") return SourceKind::kTable;
  if (text == "stream") return SourceKind::kStream;
  if (text == "file") return SourceKind::kFile;
  return Unprocessable("unknown source kind '" + std::string(text) +
                       "': expected table, stream or file");
}

std::string_view SourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::kTable:
      return "table";
    case SourceKind::kStream:
      return "stream";
    case SourceKind::kFile:
      return "file";
  }
  return "table";
}

FeatureName SplitFeatureName(std::string_view ref) {
  const size_t colon = ref.find(':');
  if (colon == std::string_view::npos) return FeatureName{"", std::string(ref)};
  return FeatureName{std::string(ref.substr(0, colon)), std::string(ref.substr(colon + 1))};
}

struct Catalog::Impl {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* cf = nullptr;
  const Clock* clock = nullptr;
  bool sync = false;
  const Registry* registry = nullptr;

  std::mutex write_mu;  // serializes changes
  mutable std::shared_mutex mu;
  // Guarded by `mu`.
  std::map<std::string, Source, std::less<>> sources;
  std::map<std::string, Transformation, std::less<>> transformations;
  std::map<std::pair<std::string, std::string>, Consumer> consumers;

  Status Put(const std::string& key, const std::string& value) {
    rocksdb::WriteBatch batch;
    rocksdb::Status s = batch.Put(cf, key, value);
    if (s.ok()) {
      rocksdb::WriteOptions options;
      options.sync = sync;
      s = db->Write(options, &batch);
    }
    return s.ok() ? Status::Ok() : Internal("registry write failed: " + s.ToString());
  }

  // Writes `object` under `key` unless it equals `existing` (nullptr: absent); the
  // caller then puts the returned object in its map.
  template <typename T, typename Encode>
  Result<Registered<T>> Upsert(const T* existing, T object, const std::string& key, Encode encode) {
    const int64_t now = clock->NowMicros();
    if (existing != nullptr && SameContent(object, *existing)) {
      return Registered<T>{Outcome::kUnchanged, *existing};
    }
    object.created_us = existing != nullptr ? existing->created_us : now;
    object.updated_us = now;
    std::string value;
    encode(object, &value);
    RETURN_IF_ERROR(Put(key, value));
    return Registered<T>{existing != nullptr ? Outcome::kUpdated : Outcome::kCreated,
                         std::move(object)};
  }

  // "entity:name" of a registered feature, from "entity:name" or an unambiguous "name".
  Result<std::string> CanonicalFeature(std::string_view ref) const {
    FeatureName f = SplitFeatureName(ref);
    if (f.name.find('@') != std::string::npos) {
      return Unprocessable("feature '" + std::string(ref) +
                           "': consumers use features, not versions (drop the @N)");
    }
    if (!f.entity.empty()) {
      Result<std::vector<FeaturePtr>> v = registry->Versions(f.entity, f.name);
      if (!v.ok())
        return Unprocessable("feature '" + std::string(ref) + "': " + v.status().message());
      return f.entity + ":" + f.name;
    }
    std::vector<std::string> found;
    for (const EntityType& e : registry->ListEntityTypes()) {
      if (registry->Versions(e.name, f.name).ok()) found.push_back(e.name);
    }
    if (found.empty()) return Unprocessable("feature '" + f.name + "' is not registered");
    if (found.size() > 1) {
      return Unprocessable("feature '" + f.name +
                           "' exists under several entity types: write entity:name");
    }
    return found.front() + ":" + f.name;
  }
};

Catalog::Catalog() : impl_(std::make_unique<Impl>()) {}
Catalog::~Catalog() = default;

Result<std::unique_ptr<Catalog>> Catalog::Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                               const Clock* clock, bool sync_writes,
                                               const Registry* registry) {
  std::unique_ptr<Catalog> catalog(new Catalog());
  Impl& impl = *catalog->impl_;
  impl.db = db;
  impl.cf = cf;
  impl.clock = clock;
  impl.sync = sync_writes;
  impl.registry = registry;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (const char kind :
       {internal::kConsumerKind, internal::kSourceKind, internal::kTransformationKind}) {
    const std::string prefix(1, kind);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      std::string_view key = it->key().ToStringView();
      std::string_view value = it->value().ToStringView();
      if (kind == internal::kSourceKind) {
        ASSIGN_OR_RETURN(Source s, internal::DecodeSource(value));
        if (internal::SourceKey(s.name) != key) return Internal("corrupt registry record: source");
        impl.sources.emplace(s.name, std::move(s));
      } else if (kind == internal::kTransformationKind) {
        ASSIGN_OR_RETURN(Transformation t, internal::DecodeTransformation(value));
        if (internal::TransformationKey(t.name) != key) {
          return Internal("corrupt registry record: transformation");
        }
        impl.transformations.emplace(t.name, std::move(t));
      } else {
        ASSIGN_OR_RETURN(Consumer c, internal::DecodeConsumer(value));
        if (internal::ConsumerKey(c.name, c.version) != key) {
          return Internal("corrupt registry record: consumer");
        }
        impl.consumers.emplace(std::make_pair(c.name, c.version), std::move(c));
      }
    }
  }
  if (!it->status().ok()) return Internal("registry load failed: " + it->status().ToString());
  return catalog;
}

Result<Catalog::Registered<Source>> Catalog::RegisterSource(Source source) {
  RETURN_IF_ERROR(ValidateName("source", source.name));
  if (static_cast<uint8_t>(source.kind) > kMaxSourceKind) return Unprocessable("bad source kind");
  std::lock_guard write_lock(impl_->write_mu);
  auto it = impl_->sources.find(source.name);
  const Source* existing = it == impl_->sources.end() ? nullptr : &it->second;
  const std::string key = internal::SourceKey(source.name);
  ASSIGN_OR_RETURN(Registered<Source> r,
                   impl_->Upsert(existing, std::move(source), key, internal::EncodeSource));
  std::unique_lock lock(impl_->mu);
  impl_->sources.insert_or_assign(r.object.name, r.object);
  return r;
}

Result<Catalog::Registered<Transformation>> Catalog::RegisterTransformation(Transformation t) {
  RETURN_IF_ERROR(ValidateName("transformation", t.name));
  std::lock_guard write_lock(impl_->write_mu);
  auto it = impl_->transformations.find(t.name);
  const Transformation* existing = it == impl_->transformations.end() ? nullptr : &it->second;
  const std::string key = internal::TransformationKey(t.name);
  ASSIGN_OR_RETURN(Registered<Transformation> r,
                   impl_->Upsert(existing, std::move(t), key, internal::EncodeTransformation));
  std::unique_lock lock(impl_->mu);
  impl_->transformations.insert_or_assign(r.object.name, r.object);
  return r;
}

Result<Catalog::Registered<Consumer>> Catalog::RegisterConsumer(Consumer c) {
  RETURN_IF_ERROR(ValidateName("consumer", c.name));
  RETURN_IF_ERROR(ValidateConsumerVersion(c.version));
  for (std::string& f : c.features) {
    ASSIGN_OR_RETURN(f, impl_->CanonicalFeature(f));
  }
  std::sort(c.features.begin(), c.features.end());
  c.features.erase(std::unique(c.features.begin(), c.features.end()), c.features.end());
  std::lock_guard write_lock(impl_->write_mu);
  auto id = std::make_pair(c.name, c.version);
  auto it = impl_->consumers.find(id);
  const Consumer* existing = it == impl_->consumers.end() ? nullptr : &it->second;
  const std::string key = internal::ConsumerKey(c.name, c.version);
  ASSIGN_OR_RETURN(Registered<Consumer> r,
                   impl_->Upsert(existing, std::move(c), key, internal::EncodeConsumer));
  std::unique_lock lock(impl_->mu);
  impl_->consumers.insert_or_assign(id, r.object);
  return r;
}

Result<Source> Catalog::GetSource(std::string_view name) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->sources.find(name);
  if (it == impl_->sources.end())
    return NotFound("source '" + std::string(name) + "' is not registered");
  return it->second;
}

Result<Transformation> Catalog::GetTransformation(std::string_view name) const {
  std::shared_lock lock(impl_->mu);
  auto it = impl_->transformations.find(name);
  if (it == impl_->transformations.end()) {
    return NotFound("transformation '" + std::string(name) + "' is not registered");
  }
  return it->second;
}

std::vector<Source> Catalog::ListSources() const {
  std::shared_lock lock(impl_->mu);
  std::vector<Source> out;
  for (const auto& [name, s] : impl_->sources) out.push_back(s);
  return out;
}

std::vector<Transformation> Catalog::ListTransformations() const {
  std::shared_lock lock(impl_->mu);
  std::vector<Transformation> out;
  for (const auto& [name, t] : impl_->transformations) out.push_back(t);
  return out;
}

std::vector<Consumer> Catalog::ListConsumers() const {
  std::shared_lock lock(impl_->mu);
  std::vector<Consumer> out;
  for (const auto& [id, c] : impl_->consumers) out.push_back(c);
  return out;
}

std::vector<Consumer> Catalog::ConsumersOf(std::string_view entity, std::string_view name) const {
  std::string ref(entity);
  ref += ':';
  ref += name;
  std::shared_lock lock(impl_->mu);
  std::vector<Consumer> out;
  for (const auto& [id, c] : impl_->consumers) {
    if (std::binary_search(c.features.begin(), c.features.end(), ref)) out.push_back(c);
  }
  return out;
}

}  // namespace asof
