// Keys and records of the `registry` column family. Format: engine/doc/formats.md,
// section "Registry records".
//
// Keys start with a kind byte: 'E' + entity type name, 'F' + BE32 feature id,
// 'H' + BE32 feature id + BE64 revision; lineage objects (catalog.h): 'S' + source name,
// 'T' + transformation name, 'C' + consumer name + '\0' + consumer version. Big-endian ids make a
// scan return features in id order and each feature's history oldest first. Records start with a
// format version byte (kRegistryFormatVersion). Decoders trust nothing: malformed bytes give
// kInternal("corrupt registry record: ..."), never a crash or an over-read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/feature.h"
#include "engine/status.h"

namespace asof::internal {

inline constexpr char kEntityTypeKind = 'E';
inline constexpr char kFeatureKind = 'F';
inline constexpr char kFeatureChangeKind = 'H';
inline constexpr char kSourceKind = 'S';
inline constexpr char kTransformationKind = 'T';
inline constexpr char kConsumerKind = 'C';
inline constexpr uint8_t kRegistryFormatVersion = 1;

std::string EntityTypeKey(std::string_view name);
std::string FeatureKey(uint32_t id);
std::string FeatureChangeKey(uint32_t id, uint64_t revision);
std::string SourceKey(std::string_view name);
std::string TransformationKey(std::string_view name);
std::string ConsumerKey(std::string_view name, std::string_view version);

// Inverse of FeatureKey / FeatureChangeKey; kInternal when `key` has the wrong shape.
Result<uint32_t> ParseFeatureKey(std::string_view key);
struct FeatureChangeKeyParts {
  uint32_t id;
  uint64_t revision;
};
Result<FeatureChangeKeyParts> ParseFeatureChangeKey(std::string_view key);

// Each Encode* replaces the contents of `out`; each Decode* consumes all of `in`
// (trailing bytes are corruption).
void EncodeEntityType(const EntityType& entity, std::string* out);
Result<EntityType> DecodeEntityType(std::string_view in);

void EncodeFeature(const Feature& feature, std::string* out);
Result<Feature> DecodeFeature(std::string_view in);

void EncodeFeatureChange(const FeatureChange& change, std::string* out);
Result<FeatureChange> DecodeFeatureChange(std::string_view in);

void EncodeSource(const Source& source, std::string* out);
Result<Source> DecodeSource(std::string_view in);

void EncodeTransformation(const Transformation& transformation, std::string* out);
Result<Transformation> DecodeTransformation(std::string_view in);

void EncodeConsumer(const Consumer& consumer, std::string* out);
Result<Consumer> DecodeConsumer(std::string_view in);

}  // namespace asof::internal
