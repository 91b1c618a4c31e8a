#include "engine/internal/registry_codec.h"

#include <limits>
#include <utility>

#include "engine/internal/coding.h"
#include "engine/internal/value_codec.h"

namespace asof::internal {
namespace {

Status Corrupt(std::string_view what) {
  return Internal("corrupt registry record: " + std::string(what));
}

// ByteReader plus the typed reads of registry records. Every Get* returns false on
// malformed input so that decoders read as a chain of `&&`.
class RecordReader {
 public:
  explicit RecordReader(std::string_view in) : r_(in) {}

  bool GetVersion() {
    uint8_t v;
    return r_.GetByte(&v) && v == kRegistryFormatVersion;
  }
  bool GetU32(uint32_t* v) {
    uint64_t u;
    if (!r_.GetVarint64(&u) || u > std::numeric_limits<uint32_t>::max()) return false;
    *v = static_cast<uint32_t>(u);
    return true;
  }
  bool GetU64(uint64_t* v) { return r_.GetVarint64(v); }
  bool GetI64(int64_t* v) { return r_.GetVarsint64(v); }
  bool GetBool(bool* v) {
    uint8_t b;
    if (!r_.GetByte(&b) || b > 1) return false;
    *v = b == 1;
    return true;
  }
  bool GetString(std::string* v) {
    std::string_view s;
    if (!r_.GetLengthPrefixed(&s)) return false;
    v->assign(s);
    return true;
  }
  bool GetValueType(ValueType* v) {
    uint8_t b;
    if (!r_.GetByte(&b) || b > kMaxValueType) return false;
    *v = static_cast<ValueType>(b);
    return true;
  }
  bool GetStrings(std::vector<std::string>* v) {
    uint64_t n;
    // Each element takes at least one byte: a larger count is corrupt, and checking it
    // first keeps a corrupt count from reserving gigabytes.
    if (!r_.GetVarint64(&n) || n > r_.remaining()) return false;
    v->resize(static_cast<size_t>(n));
    for (std::string& s : *v) {
      if (!GetString(&s)) return false;
    }
    return true;
  }
  bool AtEnd() const { return r_.empty(); }
  ByteReader& reader() { return r_; }

 private:
  ByteReader r_;
};

void PutStrings(std::string* out, const std::vector<std::string>& strings) {
  PutVarint64(out, strings.size());
  for (const std::string& s : strings) PutLengthPrefixed(out, s);
}

// Records written before upstream existed end after the default value.
Status DecodeUpstream(RecordReader& r, FeatureSpec* spec) {
  if (r.AtEnd()) return Status::Ok();
  if (!r.GetStrings(&spec->upstream)) return Corrupt("malformed upstream list");
  return Status::Ok();
}

void EncodeSpec(const FeatureSpec& spec, std::string* out) {
  PutLengthPrefixed(out, spec.name);
  PutLengthPrefixed(out, spec.entity);
  out->push_back(static_cast<char>(spec.value_type));
  PutLengthPrefixed(out, spec.description);
  PutLengthPrefixed(out, spec.owner);
  PutVarint64(out, spec.tags.size());
  for (const std::string& tag : spec.tags) PutLengthPrefixed(out, tag);
  PutLengthPrefixed(out, spec.source);
  PutLengthPrefixed(out, spec.transformation);
  PutVarsint64(out, spec.freshness_sla_us);
  PutVarsint64(out, spec.ttl_us);
  PutVarsint64(out, spec.retention_us);
  out->push_back(spec.default_value.has_value() ? 1 : 0);
  if (spec.default_value.has_value()) EncodeValue(*spec.default_value, out);
  // Written only when present, so a feature without upstream keeps the first format's bytes.
  if (!spec.upstream.empty()) PutStrings(out, spec.upstream);
}

Status DecodeSpec(RecordReader& r, FeatureSpec* spec) {
  bool ok = r.GetString(&spec->name) && r.GetString(&spec->entity) &&
            r.GetValueType(&spec->value_type) && r.GetString(&spec->description) &&
            r.GetString(&spec->owner) && r.GetStrings(&spec->tags) && r.GetString(&spec->source) &&
            r.GetString(&spec->transformation) && r.GetI64(&spec->freshness_sla_us) &&
            r.GetI64(&spec->ttl_us) && r.GetI64(&spec->retention_us);
  if (!ok) return Corrupt("malformed feature spec");
  bool has_default;
  if (!r.GetBool(&has_default)) return Corrupt("malformed default value flag");
  if (!has_default) return DecodeUpstream(r, spec);
  std::string_view rest = r.reader().rest();
  const size_t before = rest.size();
  Result<Value> value = DecodeValue(&rest);
  if (!value.ok()) return Corrupt("default value: " + value.status().message());
  std::string_view skipped;
  if (!r.reader().GetBytes(before - rest.size(), &skipped)) return Corrupt("default value");
  spec->default_value = std::move(value).value();
  return DecodeUpstream(r, spec);
}

}  // namespace

std::string EntityTypeKey(std::string_view name) {
  std::string key(1, kEntityTypeKind);
  key.append(name);
  return key;
}

std::string FeatureKey(uint32_t id) {
  std::string key(1, kFeatureKind);
  PutBE32(&key, id);
  return key;
}

std::string FeatureChangeKey(uint32_t id, uint64_t revision) {
  std::string key(1, kFeatureChangeKind);
  PutBE32(&key, id);
  PutBE64(&key, revision);
  return key;
}

std::string SourceKey(std::string_view name) {
  std::string key(1, kSourceKind);
  key.append(name);
  return key;
}

std::string TransformationKey(std::string_view name) {
  std::string key(1, kTransformationKind);
  key.append(name);
  return key;
}

std::string ConsumerKey(std::string_view name, std::string_view version) {
  std::string key(1, kConsumerKind);
  key.append(name);
  key.push_back('\0');
  key.append(version);
  return key;
}

Result<uint32_t> ParseFeatureKey(std::string_view key) {
  if (key.size() != 5 || key[0] != kFeatureKind) return Corrupt("bad feature key");
  return LoadBE32(key.data() + 1);
}

Result<FeatureChangeKeyParts> ParseFeatureChangeKey(std::string_view key) {
  if (key.size() != 13 || key[0] != kFeatureChangeKind) return Corrupt("bad history key");
  return FeatureChangeKeyParts{LoadBE32(key.data() + 1), LoadBE64(key.data() + 5)};
}

void EncodeEntityType(const EntityType& entity, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kRegistryFormatVersion));
  PutVarint64(out, entity.id);
  PutLengthPrefixed(out, entity.name);
  PutLengthPrefixed(out, entity.description);
  PutVarsint64(out, entity.created_us);
}

Result<EntityType> DecodeEntityType(std::string_view in) {
  RecordReader r(in);
  if (!r.GetVersion()) return Corrupt("unknown entity type format version");
  EntityType e;
  if (!(r.GetU32(&e.id) && r.GetString(&e.name) && r.GetString(&e.description) &&
        r.GetI64(&e.created_us) && r.AtEnd())) {
    return Corrupt("malformed entity type");
  }
  return e;
}

void EncodeFeature(const Feature& feature, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kRegistryFormatVersion));
  PutVarint64(out, feature.id);
  PutVarint64(out, feature.version);
  PutVarint64(out, feature.revision);
  out->push_back(feature.deprecated ? 1 : 0);
  PutVarsint64(out, feature.created_us);
  PutVarsint64(out, feature.updated_us);
  EncodeSpec(feature.spec, out);
}

Result<Feature> DecodeFeature(std::string_view in) {
  RecordReader r(in);
  if (!r.GetVersion()) return Corrupt("unknown feature format version");
  Feature f;
  if (!(r.GetU32(&f.id) && r.GetU32(&f.version) && r.GetU64(&f.revision) &&
        r.GetBool(&f.deprecated) && r.GetI64(&f.created_us) && r.GetI64(&f.updated_us))) {
    return Corrupt("malformed feature header");
  }
  RETURN_IF_ERROR(DecodeSpec(r, &f.spec));
  if (!r.AtEnd()) return Corrupt("trailing bytes after feature");
  return f;
}

void EncodeFeatureChange(const FeatureChange& change, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kRegistryFormatVersion));
  PutVarint64(out, change.revision);
  PutVarsint64(out, change.ts_us);
  PutLengthPrefixed(out, change.what);
}

Result<FeatureChange> DecodeFeatureChange(std::string_view in) {
  RecordReader r(in);
  if (!r.GetVersion()) return Corrupt("unknown history format version");
  FeatureChange c;
  if (!(r.GetU64(&c.revision) && r.GetI64(&c.ts_us) && r.GetString(&c.what) && r.AtEnd())) {
    return Corrupt("malformed history entry");
  }
  return c;
}

void EncodeSource(const Source& source, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kRegistryFormatVersion));
  PutLengthPrefixed(out, source.name);
  out->push_back(static_cast<char>(source.kind));
  PutLengthPrefixed(out, source.location);
  PutLengthPrefixed(out, source.owner);
  PutLengthPrefixed(out, source.description);
  PutVarsint64(out, source.created_us);
  PutVarsint64(out, source.updated_us);
}

Result<Source> DecodeSource(std::string_view in) {
  RecordReader r(in);
  if (!r.GetVersion()) return Corrupt("unknown source format version");
  Source s;
  uint8_t kind = 0;
  if (!(r.GetString(&s.name) && r.reader().GetByte(&kind) && kind <= kMaxSourceKind &&
        r.GetString(&s.location) && r.GetString(&s.owner) && r.GetString(&s.description) &&
        r.GetI64(&s.created_us) && r.GetI64(&s.updated_us) && r.AtEnd())) {
    return Corrupt("malformed source");
  }
  s.kind = static_cast<SourceKind>(kind);
  return s;
}

void EncodeTransformation(const Transformation& t, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kRegistryFormatVersion));
  PutLengthPrefixed(out, t.name);
  PutLengthPrefixed(out, t.code);
  PutLengthPrefixed(out, t.language);
  PutLengthPrefixed(out, t.description);
  PutVarsint64(out, t.created_us);
  PutVarsint64(out, t.updated_us);
}

Result<Transformation> DecodeTransformation(std::string_view in) {
  RecordReader r(in);
  if (!r.GetVersion()) return Corrupt("unknown transformation format version");
  Transformation t;
  if (!(r.GetString(&t.name) && r.GetString(&t.code) && r.GetString(&t.language) &&
        r.GetString(&t.description) && r.GetI64(&t.created_us) && r.GetI64(&t.updated_us) &&
        r.AtEnd())) {
    return Corrupt("malformed transformation");
  }
  return t;
}

void EncodeConsumer(const Consumer& c, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kRegistryFormatVersion));
  PutLengthPrefixed(out, c.name);
  PutLengthPrefixed(out, c.version);
  PutLengthPrefixed(out, c.owner);
  PutLengthPrefixed(out, c.description);
  PutStrings(out, c.features);
  PutVarsint64(out, c.created_us);
  PutVarsint64(out, c.updated_us);
}

Result<Consumer> DecodeConsumer(std::string_view in) {
  RecordReader r(in);
  if (!r.GetVersion()) return Corrupt("unknown consumer format version");
  Consumer c;
  if (!(r.GetString(&c.name) && r.GetString(&c.version) && r.GetString(&c.owner) &&
        r.GetString(&c.description) && r.GetStrings(&c.features) && r.GetI64(&c.created_us) &&
        r.GetI64(&c.updated_us) && r.AtEnd())) {
    return Corrupt("malformed consumer");
  }
  return c;
}

}  // namespace asof::internal
