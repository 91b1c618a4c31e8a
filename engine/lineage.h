// Lineage of a feature: the graph of what it comes from (sources, transformations,
// upstream features) and what depends on it (derived features, consumers), built from
// the registry on demand (docs/api.md, "Lineage").
//
// Node ids: "feature:<entity>:<name>", "source:<name>", "transformation:<name>",
// "consumer:<name>@<version>". Edges point the way data flows: source -> feature,
// transformation -> feature, upstream feature -> derived feature, feature -> consumer.
// A feature's source/transformation text that names no registered object still appears,
// as a node with registered = false. Nodes and edges are sorted by id: the output is
// deterministic. Lineage follows the newest version of each feature.
#pragma once

#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "engine/registry.h"

namespace asof {

enum class LineageDirection { kUpstream, kDownstream, kBoth };
// "upstream", "downstream", "both"; kInvalidArgument otherwise.
Result<LineageDirection> ParseLineageDirection(std::string_view text);

struct LineageNode {
  std::string id;
  std::string kind;         // "feature", "source", "transformation", "consumer"
  std::string name;         // feature/source/transformation/consumer name
  std::string entity;       // features only
  std::string version;      // consumers only
  bool registered = true;   // false: free text naming no registered source/transformation
  bool deprecated = false;  // features only
  int depth = 0;            // hops from the root
};

struct LineageEdge {
  std::string from;
  std::string to;
  std::string kind;  // "source", "transformation", "upstream", "consumer"
  bool operator<(const LineageEdge& o) const {
    return std::tie(from, to, kind) < std::tie(o.from, o.to, o.kind);
  }
};

struct LineageGraph {
  std::string root;  // id of the feature asked about
  std::vector<LineageNode> nodes;
  std::vector<LineageEdge> edges;
};

// Everything within `max_depth` hops (0: the feature alone) of feature (entity, name) in
// `direction`. kNotFound for an unknown feature.
Result<LineageGraph> BuildLineage(const Registry& registry, std::string_view entity,
                                  std::string_view name, LineageDirection direction, int max_depth);

// The warnings of deprecating feature `ref` ("name" or "name@N") of `entity`: one naming
// the registered consumers that use it, or none. Deprecation is allowed either way.
std::vector<std::string> DeprecationWarnings(const Registry& registry, std::string_view entity,
                                             std::string_view ref);

// One line per node ("<depth>  <kind>  <label>", unregistered and deprecated marked)
// then one per edge ("<from> -> <to>  (<kind>)"): the shell's `lineage` without --dot.
std::string LineageToText(const LineageGraph& graph);

// Graphviz DOT, for `dot -Tsvg`. Shapes tell kinds apart; the root is bold.
std::string LineageToDot(const LineageGraph& graph);

}  // namespace asof
