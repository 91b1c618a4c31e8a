// Helpers of the asof-import integration tests: a generated snapshot with its model of
// what the store must hold afterwards, running the real asof-import binary, and reading
// back through the client.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"

namespace asof::testing {

inline const std::vector<std::string> kImportFeatures = {"clicks", "score", "segment"};

// A registered entity type "user" with clicks INT64, score DOUBLE, segment STRING.
inline void RegisterImportSchema(Client& client) {
  ASSERT_OK(client.RegisterEntityType("user", "").status());
  ASSERT_OK(client.RegisterFeature(Spec("user", "clicks", vt::kInt64)).status());
  ASSERT_OK(client.RegisterFeature(Spec("user", "score", vt::kDouble)).status());
  ASSERT_OK(client.RegisterFeature(Spec("user", "segment", vt::kString)).status());
}

// One cell as the store should return it; `null` for an explicit null.
struct ModelValue {
  bool null = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

// entity -> feature index -> event_ts -> value.
using Model = std::map<std::string, std::vector<std::map<int64_t, ModelValue>>>;

// Writes a CSV snapshot (entity_id,event_ts,clicks,score,segment; event_ts in epoch_us)
// of `entities` users with `versions` distinct event times each, rows shuffled, a few
// nulls; returns the model.
inline Model WriteSnapshot(const std::string& path, int entities, int versions, uint32_t seed,
                           int64_t ts_base = 1'600'000'000'000'000,
                           const std::string& prefix = "u") {
  std::mt19937_64 rng(seed);
  Model model;
  std::vector<std::string> lines;
  for (int e = 0; e < entities; ++e) {
    std::string id = prefix + std::to_string(e);
    auto& m = model[id];
    m.resize(3);
    for (int v = 0; v < versions; ++v) {
      int64_t ts =
          ts_base + static_cast<int64_t>(v) * 1'000'000 + static_cast<int64_t>(rng() % 1000);
      ModelValue clicks{false, static_cast<int64_t>(rng() % 100000) - 500, 0, ""};
      ModelValue score{false, 0, static_cast<double>(rng() % 1000000) / 997.0, ""};
      ModelValue segment{rng() % 10 == 0, 0, 0, "seg,\"" + std::to_string(rng() % 7)};
      m[0][ts] = clicks;
      m[1][ts] = score;
      m[2][ts] = segment;
      char score_text[64];
      std::snprintf(score_text, sizeof score_text, "%.17g", score.d);
      std::string seg_cell = segment.null ? "NULL" : "\"seg,\"\"" + segment.s.substr(5) + "\"";
      lines.push_back(id + "," + std::to_string(ts) + "," + std::to_string(clicks.i) + "," +
                      score_text + "," + seg_cell);
    }
  }
  std::shuffle(lines.begin(), lines.end(), rng);
  std::ofstream out(path);
  out << "entity_id,event_ts,clicks,score,segment\n";
  for (const auto& l : lines) out << l << "\n";
  return model;
}

// Runs asof-import against `daemon` with `args` (the input path among them).
inline ProcessResult RunImport(const Daemon& daemon, std::vector<std::string> args) {
  std::vector<std::string> argv = {
      ASOF_IMPORT_PATH, "--port",  std::to_string(daemon.port()), "-e", "user",
      "--ts-format",    "epoch_us"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = RunProcess(argv, std::chrono::seconds(300));
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  return run.ok() ? *run : ProcessResult{};
}

// Checks one returned value against the model (nullptr: expect NOT_FOUND).
inline void ExpectValue(const wire::FeatureValueT& got, const ModelValue* want, size_t feature,
                        const std::string& where) {
  SCOPED_TRACE(where);
  if (want == nullptr) {
    EXPECT_EQ(got.status, vs::kNotFound);
    return;
  }
  if (want->null) {
    EXPECT_EQ(got.status, vs::kNullValue);
    return;
  }
  ASSERT_EQ(got.status, vs::kPresent);
  ASSERT_NE(got.value, nullptr);
  if (feature == 0) {
    EXPECT_EQ(got.value->i, want->i);
  } else if (feature == 1) {
    EXPECT_EQ(got.value->d, want->d);
  } else {
    EXPECT_EQ(got.value->s, want->s);
  }
}

// Online values of every entity of `model` must be its newest versions.
inline void ExpectOnline(Client& client, const Model& model) {
  std::vector<std::string> ids;
  for (const auto& [id, m] : model) ids.push_back(id);
  for (size_t at = 0; at < ids.size(); at += 100) {
    std::vector<std::string> batch(ids.begin() + at, ids.begin() + std::min(ids.size(), at + 100));
    auto read = client.OnlineRead("user", batch, kImportFeatures);
    ASSERT_OK(read.status());
    ASSERT_EQ(read->values.size(), batch.size() * 3);
    for (size_t e = 0; e < batch.size(); ++e) {
      for (size_t f = 0; f < 3; ++f) {
        const auto& versions = model.at(batch[e])[f];
        const ModelValue* want = versions.empty() ? nullptr : &versions.rbegin()->second;
        ExpectValue(*read->values[e * 3 + f], want, f,
                    "online " + batch[e] + " f" + std::to_string(f));
      }
    }
  }
}

// As-of reads at several times per entity (before the first version, at and between
// versions, after the last) must return the newest version at or before each.
inline void ExpectAsOf(Client& client, const Model& model, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<wire::AsOfRowT> rows;
  for (const auto& [id, m] : model) {
    const auto& versions = m[0];
    if (versions.empty()) continue;
    std::vector<int64_t> times = {versions.begin()->first - 1, versions.begin()->first,
                                  versions.rbegin()->first + 5'000'000};
    for (int k = 0; k < 3; ++k) {
      auto it = std::next(versions.begin(), static_cast<long>(rng() % versions.size()));
      times.push_back(it->first + static_cast<int64_t>(rng() % 999'000));
    }
    for (int64_t t : times) {
      wire::AsOfRowT row;
      row.entity_id = id;
      row.ts = t;
      rows.push_back(row);
    }
  }
  size_t checked = 0;
  ASSERT_OK(client.AsOfRead(
      "user", kImportFeatures, false, rows, [&](const wire::AsOfReadChunkT& chunk) -> Status {
        for (uint32_t r = 0; r < chunk.num_rows; ++r) {
          const auto& row = rows[chunk.first_row + r];
          for (size_t f = 0; f < 3; ++f) {
            const auto& versions = model.at(row.entity_id)[f];
            auto it = versions.upper_bound(row.ts);
            const ModelValue* want = it == versions.begin() ? nullptr : &std::prev(it)->second;
            ExpectValue(
                *chunk.values[r * 3 + f], want, f,
                "as of " + std::to_string(row.ts) + " " + row.entity_id + " f" + std::to_string(f));
            ++checked;
          }
        }
        return Status::Ok();
      }));
  EXPECT_EQ(checked, rows.size() * 3);
}

// Values PRESENT or NULL online over the entities of `model`.
inline size_t CountOnline(Client& client, const Model& model) {
  std::vector<std::string> ids;
  for (const auto& [id, m] : model) ids.push_back(id);
  size_t n = 0;
  for (size_t at = 0; at < ids.size(); at += 500) {
    std::vector<std::string> batch(ids.begin() + at, ids.begin() + std::min(ids.size(), at + 500));
    auto read = client.OnlineRead("user", batch, kImportFeatures);
    EXPECT_OK(read.status());
    if (!read.ok()) return 0;
    for (const auto& v : read->values)
      n += v->status == vs::kPresent || v->status == vs::kNullValue;
  }
  return n;
}

}  // namespace asof::testing
