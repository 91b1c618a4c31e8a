#include "engine/lineage.h"

#include <deque>
#include <map>
#include <set>
#include <utility>

#include "engine/catalog.h"

namespace asof {
namespace {

std::string FeatureId(std::string_view entity, std::string_view name) {
  return "feature:" + std::string(entity) + ":" + std::string(name);
}

std::string ConsumerLabel(const Consumer& c) {
  return c.version.empty() ? c.name : c.name + "@" + c.version;
}

// The registry as a graph, indexed both ways.
struct Index {
  std::map<std::string, FeaturePtr> features;               // by node id
  std::map<std::string, std::vector<std::string>> derived;  // feature -> derived features
  std::map<std::string, std::vector<Consumer>> consumers;   // feature -> consumers
  std::set<std::string, std::less<>> sources;
  std::set<std::string, std::less<>> transformations;

  explicit Index(const Registry& registry) {
    FeatureFilter all;
    all.include_deprecated = true;
    for (FeaturePtr& f : registry.List(all)) {
      const std::string id = FeatureId(f->spec.entity, f->spec.name);
      for (const std::string& ref : f->spec.upstream) derived[Upstream(*f, ref)].push_back(id);
      features.emplace(id, std::move(f));
    }
    const Catalog& catalog = registry.catalog();
    for (Consumer& c : catalog.ListConsumers()) {
      for (const std::string& ref : c.features) consumers["feature:" + ref].push_back(c);
    }
    for (const Source& s : catalog.ListSources()) sources.insert(s.name);
    for (const Transformation& t : catalog.ListTransformations()) transformations.insert(t.name);
  }

  static std::string Upstream(const Feature& f, const std::string& ref) {
    FeatureName n = SplitFeatureName(ref);
    return FeatureId(n.entity.empty() ? f.spec.entity : n.entity, n.name);
  }
};

class Builder {
 public:
  Builder(const Index& index, int max_depth) : index_(index), max_depth_(max_depth) {}

  void Run(const std::string& root, LineageDirection direction) {
    AddFeature(root, 0);
    struct Item {
      std::string id;
      int depth;
      bool up;
    };
    std::deque<Item> queue;
    if (direction != LineageDirection::kDownstream) queue.push_back({root, 0, true});
    if (direction != LineageDirection::kUpstream) queue.push_back({root, 0, false});
    std::set<std::pair<std::string, bool>> expanded;
    while (!queue.empty()) {
      Item item = std::move(queue.front());
      queue.pop_front();
      if (item.depth >= max_depth_ || !expanded.insert({item.id, item.up}).second) continue;
      auto it = index_.features.find(item.id);
      if (it == index_.features.end()) continue;
      const Feature& f = *it->second;
      const int next = item.depth + 1;
      if (item.up) {
        if (!f.spec.source.empty()) {
          Leaf("source", f.spec.source, index_.sources.contains(f.spec.source), next, item.id);
        }
        if (!f.spec.transformation.empty()) {
          Leaf("transformation", f.spec.transformation,
               index_.transformations.contains(f.spec.transformation), next, item.id);
        }
        for (const std::string& ref : f.spec.upstream) {
          const std::string up = Index::Upstream(f, ref);
          AddFeature(up, next);
          edges_.insert({up, item.id, "upstream"});
          queue.push_back({up, next, true});
        }
      } else {
        if (auto d = index_.derived.find(item.id); d != index_.derived.end()) {
          for (const std::string& down : d->second) {
            AddFeature(down, next);
            edges_.insert({item.id, down, "upstream"});
            queue.push_back({down, next, false});
          }
        }
        if (auto c = index_.consumers.find(item.id); c != index_.consumers.end()) {
          for (const Consumer& consumer : c->second) {
            LineageNode node;
            node.id = "consumer:" + ConsumerLabel(consumer);
            node.kind = "consumer";
            node.name = consumer.name;
            node.version = consumer.version;
            node.depth = next;
            edges_.insert({item.id, node.id, "consumer"});
            nodes_.emplace(node.id, std::move(node));
          }
        }
      }
    }
  }

  LineageGraph Take(std::string root) {
    LineageGraph g;
    g.root = std::move(root);
    for (auto& [id, node] : nodes_) g.nodes.push_back(std::move(node));
    g.edges.assign(edges_.begin(), edges_.end());
    return g;
  }

 private:
  // Keeps the smallest depth when a node is reached twice.
  void Put(LineageNode node) {
    auto [it, inserted] = nodes_.emplace(node.id, node);
    if (!inserted && node.depth < it->second.depth) it->second.depth = node.depth;
  }

  void AddFeature(const std::string& id, int depth) {
    LineageNode node;
    node.id = id;
    node.kind = "feature";
    node.depth = depth;
    auto it = index_.features.find(id);
    if (it != index_.features.end()) {
      node.name = it->second->spec.name;
      node.entity = it->second->spec.entity;
      node.deprecated = it->second->deprecated;
    } else {
      node.registered = false;  // upstream checks make this rare: a name since renamed away
      FeatureName n = SplitFeatureName(id.substr(8));
      node.entity = n.entity;
      node.name = n.name;
    }
    Put(std::move(node));
  }

  void Leaf(const char* kind, const std::string& name, bool registered, int depth,
            const std::string& feature) {
    LineageNode node;
    node.id = std::string(kind) + ":" + name;
    node.kind = kind;
    node.name = name;
    node.registered = registered;
    node.depth = depth;
    edges_.insert({node.id, feature, kind});
    Put(std::move(node));
  }

  const Index& index_;
  int max_depth_;
  std::map<std::string, LineageNode> nodes_;
  std::set<LineageEdge> edges_;
};

// Inside a DOT double-quoted string only '"' and '\' need escaping; raw newlines
// would end up in labels, so they become spaces.
std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out;
}

std::string Quote(std::string_view s) { return "\"" + Escape(s) + "\""; }

}  // namespace

Result<LineageDirection> ParseLineageDirection(std::string_view text) {
  if (text == "upstream") return LineageDirection::kUpstream;
  if (text == "downstream") return LineageDirection::kDownstream;
  if (text == "both") return LineageDirection::kBoth;
  return InvalidArgument("direction must be upstream, downstream or both, not '" +
                         std::string(text) + "'");
}

Result<LineageGraph> BuildLineage(const Registry& registry, std::string_view entity,
                                  std::string_view name, LineageDirection direction,
                                  int max_depth) {
  RETURN_IF_ERROR(registry.Versions(entity, name).status());
  Index index(registry);
  Builder builder(index, max_depth);
  const std::string root = FeatureId(entity, name);
  builder.Run(root, direction);
  return builder.Take(root);
}

std::string LineageToDot(const LineageGraph& graph) {
  std::string out = "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  for (const LineageNode& n : graph.nodes) {
    std::string label = n.name;
    std::string attrs;
    if (n.kind == "feature") {
      label = n.entity + ":" + n.name;
      attrs = "shape=box";
      if (n.deprecated) attrs += ", style=dashed";
    } else if (n.kind == "source") {
      attrs = "shape=cylinder";
    } else if (n.kind == "transformation") {
      attrs = "shape=ellipse";
    } else {
      label = n.version.empty() ? n.name : n.name + "@" + n.version;
      attrs = "shape=component";
    }
    if (!n.registered) attrs += ", color=gray";
    if (n.id == graph.root) attrs += ", penwidth=2";
    out += "  " + Quote(n.id) + " [label=\"" + Escape(n.kind) + "\\n" + Escape(label) + "\", " +
           attrs + "];\n";
  }
  for (const LineageEdge& e : graph.edges) {
    out += "  " + Quote(e.from) + " -> " + Quote(e.to);
    if (e.kind != "upstream") out += " [label=" + Quote(e.kind) + "]";
    out += ";\n";
  }
  return out + "}\n";
}

std::string LineageToText(const LineageGraph& graph) {
  std::string out = "nodes:\n";
  for (const LineageNode& n : graph.nodes) {
    out += "  " + std::to_string(n.depth) + "  " + n.kind + "  " + n.id.substr(n.kind.size() + 1);
    if (!n.registered) out += "  (not registered)";
    if (n.deprecated) out += "  (deprecated)";
    out += "\n";
  }
  out += "edges:\n";
  for (const LineageEdge& e : graph.edges) {
    out += "  " + e.from + " -> " + e.to + "  (" + e.kind + ")\n";
  }
  return out;
}

std::vector<std::string> DeprecationWarnings(const Registry& registry, std::string_view entity,
                                             std::string_view ref) {
  const std::string_view name = ref.substr(0, ref.find('@'));
  std::string users;
  for (const Consumer& c : registry.catalog().ConsumersOf(entity, name)) {
    users += (users.empty() ? "" : ", ") + ConsumerLabel(c);
  }
  if (users.empty()) return {};
  return {"feature '" + std::string(name) + "' is used by registered consumers: " + users};
}

}  // namespace asof
