// Registry: entity types and features, their versions and change history.
//
// Semantics (DESIGN.md section 2):
// - Entity types must be registered before features that use them.
// - A feature is identified by (entity, name). Registering it again with the same spec is
//   a no-op (kUnchanged); with different metadata it is updated in place (kUpdated, the
//   revision grows and the change history records which fields changed); with a different
//   value type it is a schema change: kConflict, unless `new_version` is set, which
//   creates version N+1 with a new feature id (kNewVersion). Old versions stay readable.
// - `spec.upstream` names features that must exist (earlier in the same batch counts);
//   a change that would make the upstream graph cyclic is kUnprocessable, naming the cycle.
// - References: "name" is the newest version, "name@N" pins version N.
// - Everything is persisted in the `registry` column family and loaded on open.
//
// Thread-safety: all methods are safe to call concurrently. Lookups take a shared lock
// and return shared pointers to immutable Feature objects, valid after later changes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/clock.h"
#include "engine/feature.h"
#include "engine/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace asof {

class Catalog;
using FeaturePtr = std::shared_ptr<const Feature>;

// Names of entity types and features: 1-128 chars of [A-Za-z0-9_.-], starting with a
// letter or '_'. '@', ':' and ',' are reserved by references, RESP keys and lists.
Status ValidateName(std::string_view kind, std::string_view name);

struct FeatureFilter {
  std::string entity;  // exact; empty: any
  std::string owner;   // exact; empty: any
  std::string tag;     // exact member of tags; empty: any
  // Case-insensitive search over name, tags, description, owner and entity (SearchRank);
  // empty: any. When set, List orders by rank, best first.
  std::string text;
  bool include_deprecated = false;
};

// How well `spec` matches search text `query` (case-insensitive), best first:
// 6 exact name, 5 name prefix, 4 name substring, 3 a tag contains it, 2 it is a whole
// word (or words) of description, owner or entity, 1 a substring of description; 0 no
// match. feature_search.cc.
int SearchRank(const FeatureSpec& spec, std::string_view query);

class Registry {
 public:
  enum class Outcome { kCreated, kUnchanged, kUpdated, kNewVersion };
  struct Registered {
    Outcome outcome;
    FeaturePtr feature;
  };

  // Loads every persisted object. `db` and `cf` must outlive the registry.
  static Result<std::unique_ptr<Registry>> Load(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                                const Clock* clock, bool sync_writes);

  // Creates an entity type, or returns the existing one (updating its description if a
  // non-empty different one is given).
  Result<EntityType> RegisterEntityType(std::string_view name, std::string_view description);
  Result<EntityType> GetEntityType(std::string_view name) const;
  std::vector<EntityType> ListEntityTypes() const;

  // See the class comment. kUnprocessable for an unknown entity type, a null value type,
  // a bad name, or a default value of the wrong type; kConflict for an unrequested
  // schema change.
  Result<Registered> RegisterFeature(const FeatureSpec& spec, bool new_version = false);
  // Registers many features with one durable write; stops at the first error, having
  // applied nothing.
  Result<std::vector<Registered>> RegisterFeatures(std::span<const FeatureSpec> specs,
                                                   bool new_version = false);

  // "name" or "name@N" of `entity`. kNotFound when absent; kInvalidArgument for a bad ref.
  Result<FeaturePtr> Resolve(std::string_view entity, std::string_view ref) const;
  // The entity type's id and each ref resolved as Resolve would, under one lock: the
  // read paths resolve tens of features per request. The first failure is returned.
  // Each thread remembers its last resolution, so asking again for the same list while
  // the registry is unchanged takes no lock.
  struct Resolved {
    uint32_t entity_type_id = 0;
    std::vector<FeaturePtr> features;  // in `refs` order
  };
  Result<Resolved> ResolveMany(std::string_view entity, std::span<const std::string> refs) const;
  // Changes whenever a registration or deprecation is applied, and differs between two
  // registries of one process: a resolution made at version V stays valid while
  // version() == V.
  uint64_t version() const;
  // Any version by its feature id; nullptr when unknown. Cheap: used on hot paths.
  FeaturePtr FindById(uint32_t id) const;
  // Every version of (entity, name), oldest first.
  Result<std::vector<FeaturePtr>> Versions(std::string_view entity, std::string_view name) const;
  // Change history of one version ("name" or "name@N"), oldest first.
  Result<std::vector<FeatureChange>> History(std::string_view entity, std::string_view ref) const;

  // Deprecates "name@N", or every version of "name". Writes to a deprecated version are
  // rejected; reads keep working.
  Status Deprecate(std::string_view entity, std::string_view ref);

  // Newest version of each matching feature, ordered by (entity, name), or with a
  // search text by (rank descending, name, entity).
  std::vector<FeaturePtr> List(const FeatureFilter& filter) const;

  // Sources, transformations and consumers (lineage objects).
  Catalog& catalog();
  const Catalog& catalog() const;

  ~Registry();

 private:
  Registry(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const Clock* clock, bool sync);
  Result<Resolved> ResolveManyLocked(std::string_view entity,
                                     std::span<const std::string> refs) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace asof
