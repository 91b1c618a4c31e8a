// Catalog: the lineage objects of the registry — sources, transformations and consumers
// (models) — persisted in the `registry` column family next to the features (kinds 'S',
// 'T', 'C'; engine/doc/formats.md). Owned by the Registry (Registry::catalog()).
//
// Semantics: registering an object again replaces it (kUnchanged when identical, else
// kUpdated; created_us is kept). A consumer's features must be registered; each is stored
// as "entity:name" ("name" alone is accepted when exactly one entity type has it).
//
// Thread-safety: all methods are safe to call concurrently; changes are serialized and
// durable (one WriteBatch) before readers see them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.h"
#include "engine/feature.h"
#include "engine/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace asof {

class Registry;

// "table", "stream", "file" <-> SourceKind; kUnprocessable for anything else.
Result<SourceKind> ParseSourceKind(std::string_view text);
std::string_view SourceKindName(SourceKind kind);

// Splits a feature reference "entity:name" or "name"; `entity` is empty for the latter.
struct FeatureName {
  std::string entity;
  std::string name;
};
FeatureName SplitFeatureName(std::string_view ref);

class Catalog {
 public:
  enum class Outcome { kCreated, kUnchanged, kUpdated };
  template <typename T>
  struct Registered {
    Outcome outcome;
    T object;
  };

  // Loads the persisted objects. Every pointer must outlive the catalog; `registry`
  // answers which features exist.
  static Result<std::unique_ptr<Catalog>> Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                               const Clock* clock, bool sync_writes,
                                               const Registry* registry);
  ~Catalog();

  // kUnprocessable for a bad name (or source kind, consumer version, unknown feature).
  Result<Registered<Source>> RegisterSource(Source source);
  Result<Registered<Transformation>> RegisterTransformation(Transformation transformation);
  Result<Registered<Consumer>> RegisterConsumer(Consumer consumer);

  // kNotFound when absent.
  Result<Source> GetSource(std::string_view name) const;
  Result<Transformation> GetTransformation(std::string_view name) const;

  // Ordered by name (consumers by name, then version).
  std::vector<Source> ListSources() const;
  std::vector<Transformation> ListTransformations() const;
  std::vector<Consumer> ListConsumers() const;
  // Consumers that list feature (entity, name).
  std::vector<Consumer> ConsumersOf(std::string_view entity, std::string_view name) const;

 private:
  Catalog();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace asof
