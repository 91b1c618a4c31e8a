// The HTTP serving routes against a real asofd: GET/POST /api/features/online and POST
// /api/features/historical (JSON and CSV, both modes). Values are written through the
// native client and must read back identically over HTTP; as-of answers are checked
// against a model of the written versions (no version dated after T is ever served).
// Every status these routes answer is in the table; 401/403 are in http_auth_test.cc and
// the bounded-memory 1M-row stream in http_historical_memory_test.cc.
#include <time.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include "tests/integration/http_table.h"
#include "tests/integration/integration_util.h"

namespace asof::testing {
namespace {

namespace json = boost::json;
constexpr int64_t kSecond = 1000000;

constexpr const char* kConfig = R"(
[limits]
max_entities_per_request = 5
max_rows_per_asof_request = 40
asof_chunk_rows = 3
)";

// RFC 3339 as asofd writes it: ".ffffff" only when there are microseconds.
std::string Rfc3339(int64_t micros) {
  time_t secs = static_cast<time_t>(micros / kSecond);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (micros % kSecond != 0) {
    snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(micros % kSecond));
    out += buf;
  }
  return out + "Z";
}

// RFC 4180 lines of a whole CSV text.
std::vector<std::vector<std::string>> ParseCsv(std::string_view text) {
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> line;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      line.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n') {
      line.push_back(std::move(cell));
      cell.clear();
      lines.push_back(std::move(line));
      line.clear();
    } else {
      cell += c;
    }
  }
  EXPECT_TRUE(line.empty() && cell.empty() && !quoted) << "CSV does not end with a newline";
  return lines;
}

// One written version of a feature of an entity.
struct Version {
  int64_t event_ts;
  int64_t ingested_by;  // a time after the write was acknowledged
  json::value value;    // as the API renders it; null for an explicit null
};

struct Expected {
  std::string status;
  json::value value;
  json::value event_timestamp;  // null when NOT_FOUND
  bool default_used = false;
};

// A case with every member given (the table reads as name, request, answer).
HttpCase C(std::string name, std::string method, std::string target, std::string body, int status,
           std::string error_code = "", std::string token = "", Headers headers = {},
           std::function<void(const HttpReply&)> check = {}) {
  return HttpCase{std::move(name), std::move(method),     std::move(target), std::move(body),
                  status,          std::move(error_code), std::move(token),  std::move(headers),
                  std::move(check)};
}

const std::vector<std::string> kFeatures = {"score", "amount", "label", "floats", "withdef"};

class HttpServingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    config_dir_ = new TempDir();
    std::string path = config_dir_->path() + "/asofd.toml";
    std::ofstream(path) << kConfig;
    daemon_ = new Daemon(ASOFD_PATH, TestDaemonFlags({"--config", path}));
    start_status_ = new Status(daemon_->Start());
    if (start_status_->ok()) *start_status_ = WriteData();
  }
  static void TearDownTestSuite() {
    if (daemon_->running()) {
      Result<int> code = daemon_->Stop();
      EXPECT_TRUE(code.ok() && *code == 0) << code.status().ToString() << "\n" << daemon_->log();
    }
    delete daemon_;
    delete start_status_;
    delete config_dir_;
  }
  void SetUp() override {
    ASSERT_OK(*start_status_);
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port());
  }

  static Status Write(Client& client, std::vector<wire::WriteRecordT> records) {
    ASSIGN_OR_RETURN(auto result, client.Write(records));
    if (result.accepted != records.size()) return Internal("a write was not accepted");
    return Status::Ok();
  }

  // Two write batches, so that replay at T_mid sees only the first.
  static Status WriteData() {
    ASSIGN_OR_RETURN(auto client, Client::Connect(OptionsFor(*daemon_)));
    ASSIGN_OR_RETURN(auto et, client->RegisterEntityType("shop_user", "test"));
    for (auto [name, type] :
         std::vector<std::pair<std::string, uint8_t>>{{"score", vt::kInt64},
                                                      {"amount", vt::kDouble},
                                                      {"label", vt::kString},
                                                      {"floats", vt::kFloatList}}) {
      ASSIGN_OR_RETURN(auto r, client->RegisterFeature(Spec("shop_user", name, type)));
    }
    wire::FeatureSpecT withdef = Spec("shop_user", "withdef", vt::kInt64);
    withdef.default_value = std::make_unique<wire::ValueT>(Int64(42));
    ASSIGN_OR_RETURN(auto r, client->RegisterFeature(withdef));

    base_ = (NowMicros() / kSecond - 3600) * kSecond;
    wire::ValueT floats;
    floats.type = vt::kFloatList;
    floats.floats = {1.5f, 2.25f};
    RETURN_IF_ERROR(Write(
        *client, {Record("shop_user", "e1", "score", Int64(1), base_ + 10 * kSecond),
                  Record("shop_user", "e1", "score", Int64(2), base_ + 20 * kSecond),
                  Record("shop_user", "e1", "score", Int64(3), base_ + 30 * kSecond),
                  Record("shop_user", "e1", "amount", Double(1.25), base_ + 10 * kSecond),
                  Record("shop_user", "e1", "label", String("a,\"b\"\nc"), base_ + 15 * kSecond),
                  Record("shop_user", "e1", "floats", floats, base_ + 10 * kSecond),
                  Record("shop_user", "e2", "score", std::nullopt, base_ + 10 * kSecond),
                  Record("shop_user", "e2", "amount", Double(7.5), base_ + 25 * kSecond)}));
    const int64_t after1 = NowMicros();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    t_mid_ = NowMicros();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    RETURN_IF_ERROR(
        Write(*client, {Record("shop_user", "e1", "score", Int64(4), base_ + 40 * kSecond)}));
    const int64_t after2 = NowMicros();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    t_late_ = NowMicros() + 1;

    auto& m = *(model_ = new std::map<std::pair<std::string, std::string>, std::vector<Version>>());
    m[{"e1", "score"}] = {{base_ + 10 * kSecond, after1, 1},
                          {base_ + 20 * kSecond, after1, 2},
                          {base_ + 30 * kSecond, after1, 3},
                          {base_ + 40 * kSecond, after2, 4}};
    m[{"e1", "amount"}] = {{base_ + 10 * kSecond, after1, 1.25}};
    m[{"e1", "label"}] = {{base_ + 15 * kSecond, after1, "a,\"b\"\nc"}};
    m[{"e1", "floats"}] = {{base_ + 10 * kSecond, after1, json::array{1.5, 2.25}}};
    m[{"e2", "score"}] = {{base_ + 10 * kSecond, after1, nullptr}};
    m[{"e2", "amount"}] = {{base_ + 25 * kSecond, after1, 7.5}};
    return Status::Ok();
  }

  // What a read at T must serve (online: T = now, event time).
  static Expected Model(const std::string& entity, const std::string& feature, int64_t t,
                        bool replay) {
    Expected e{"NOT_FOUND", nullptr, nullptr};
    const Version* best = nullptr;
    auto it = model_->find({entity, feature});
    if (it != model_->end()) {
      for (const Version& v : it->second) {
        if (v.event_ts > t || (replay && v.ingested_by > t)) continue;
        if (best == nullptr || v.event_ts > best->event_ts) best = &v;
      }
    }
    if (best != nullptr) {
      e.status = best->value.is_null() ? "NULL_VALUE" : "PRESENT";
      e.value = best->value;
      e.event_timestamp = json::string(Rfc3339(best->event_ts));
    } else if (feature == "withdef") {
      e.value = 42;
      e.default_used = true;
    }
    return e;
  }

  static void CheckValue(const json::value& got, const Expected& want, const std::string& where) {
    SCOPED_TRACE(where + ": " + json::serialize(got));
    ASSERT_TRUE(got.is_object());
    EXPECT_EQ(got.at("status"), json::value(want.status.c_str()));
    EXPECT_EQ(got.at("value"), want.value);
    EXPECT_EQ(got.at("event_timestamp"), want.event_timestamp);
    EXPECT_EQ(got.at("default_used"), json::value(want.default_used));
  }

  // The cell the CSV answer must carry for `want`.
  static std::string CsvCell(const Expected& want) {
    if (want.value.is_null()) return "";
    if (want.value.is_string()) return std::string(want.value.as_string());
    if (want.value.is_double()) {
      char buf[64];
      snprintf(buf, sizeof(buf), "%g", want.value.as_double());
      return buf;
    }
    return json::serialize(want.value);
  }

  static std::string HistoricalBody(const std::vector<std::pair<std::string, int64_t>>& rows,
                                    bool replay, bool include_status = false) {
    json::array r;
    for (size_t i = 0; i < rows.size(); ++i) {
      // Both timestamp forms: RFC 3339 strings and integer microseconds.
      json::value ts = i % 2 == 0 ? json::value(Rfc3339(rows[i].second)) : rows[i].second;
      r.push_back(json::object{{"entity_id", rows[i].first}, {"timestamp", ts}});
    }
    json::array features;
    for (const auto& f : kFeatures) features.emplace_back(f);
    return json::serialize(json::object{{"entity", "shop_user"},
                                        {"entity_ids_with_timestamps", r},
                                        {"features", features},
                                        {"mode", replay ? "replay" : "event_time"},
                                        {"include_status", include_status}});
  }

  static std::vector<std::pair<std::string, int64_t>> AsOfRows() {
    std::vector<std::pair<std::string, int64_t>> rows;
    for (std::string id : {"e1", "e2", "e3"}) {
      for (int64_t t : {base_ + 5 * kSecond, base_ + 10 * kSecond, base_ + 15 * kSecond,
                        base_ + 30 * kSecond - 1, base_ + 30 * kSecond, base_ + 40 * kSecond,
                        t_mid_, t_late_}) {
        rows.emplace_back(id, t);
      }
    }
    return rows;
  }

  static TempDir* config_dir_;
  static Daemon* daemon_;
  static Status* start_status_;
  static int64_t base_, t_mid_, t_late_;
  static std::map<std::pair<std::string, std::string>, std::vector<Version>>* model_;
  std::unique_ptr<HttpClient> http_;
};

TempDir* HttpServingTest::config_dir_ = nullptr;
Daemon* HttpServingTest::daemon_ = nullptr;
Status* HttpServingTest::start_status_ = nullptr;
int64_t HttpServingTest::base_ = 0;
int64_t HttpServingTest::t_mid_ = 0;
int64_t HttpServingTest::t_late_ = 0;
std::map<std::pair<std::string, std::string>, std::vector<Version>>* HttpServingTest::model_ =
    nullptr;

TEST_F(HttpServingTest, EveryStatus) {
  const std::string online = "/api/features/online";
  const std::string hist = "/api/features/historical";
  const std::string row = R"({"entity_id":"e1","timestamp":"2000-01-01T00:00:00Z"})";
  auto hbody = [&](std::string rows, std::string entity = "shop_user",
                   std::string features = R"(["score"])", std::string extra = "") {
    return R"({"entity":")" + entity + R"(","entity_ids_with_timestamps":)" + rows +
           R"(,"features":)" + features + extra + "}";
  };
  std::string rows41 = "[";
  for (int i = 0; i < 41; ++i) rows41 += (i > 0 ? "," : "") + row;
  rows41 += "]";
  const Headers csv = {{"Accept", "text/csv"}};
  std::vector<HttpCase> cases = {
      // GET online
      C("get ok", "GET", online + "?entity=shop_user&entity_id=e1,e2&features=score,amount", "",
        200),
      C("get repeated params", "GET",
        online + "?entity=shop_user&entity_id=e1&entity_id=e2&features=score", "", 200),
      C("get no entity", "GET", online + "?entity_id=e1&features=score", "", 400,
        "INVALID_ARGUMENT"),
      C("get empty entity", "GET", online + "?entity=&entity_id=e1&features=score", "", 400,
        "INVALID_ARGUMENT"),
      C("get no ids", "GET", online + "?entity=shop_user&features=score", "", 400,
        "INVALID_ARGUMENT"),
      C("get empty id item", "GET", online + "?entity=shop_user&entity_id=e1,,e2&features=score",
        "", 400, "INVALID_ARGUMENT"),
      C("get no features", "GET", online + "?entity=shop_user&entity_id=e1", "", 400,
        "INVALID_ARGUMENT"),
      C("get repeated feature", "GET",
        online + "?entity=shop_user&entity_id=e1&features=score,score", "", 400,
        "INVALID_ARGUMENT"),
      C("get long id", "GET",
        online + "?entity=shop_user&entity_id=" + std::string(1025, 'x') + "&features=score", "",
        400, "INVALID_ARGUMENT"),
      C("get unknown entity", "GET", online + "?entity=nobody&entity_id=e1&features=score", "", 404,
        "NOT_FOUND"),
      C("get unknown feature", "GET", online + "?entity=shop_user&entity_id=e1&features=nope", "",
        404, "NOT_FOUND"),
      C("get unknown version", "GET", online + "?entity=shop_user&entity_id=e1&features=score@9",
        "", 404, "NOT_FOUND"),
      C("get max entities", "GET", online + "?entity=shop_user&entity_id=1,2,3,4,5&features=score",
        "", 200),
      C("get too many entities", "GET",
        online + "?entity=shop_user&entity_id=1,2,3,4,5,6&features=score", "", 413,
        "PAYLOAD_TOO_LARGE"),
      // POST online
      C("post ok", "POST", online,
        R"({"entity":"shop_user","entity_ids":["e1"],"features":["score"]})", 200),
      C("post not json", "POST", online, "{entity", 400, "INVALID_ARGUMENT"),
      C("post empty body", "POST", online, "", 400, "INVALID_ARGUMENT"),
      C("post array", "POST", online, "[]", 400, "INVALID_ARGUMENT"),
      C("post ids not array", "POST", online,
        R"({"entity":"shop_user","entity_ids":"e1","features":["score"]})", 400,
        "INVALID_ARGUMENT"),
      C("post id not string", "POST", online,
        R"({"entity":"shop_user","entity_ids":[1],"features":["score"]})", 400, "INVALID_ARGUMENT"),
      C("post empty ids", "POST", online,
        R"({"entity":"shop_user","entity_ids":[],"features":["score"]})", 400, "INVALID_ARGUMENT"),
      C("post missing features", "POST", online, R"({"entity":"shop_user","entity_ids":["e1"]})",
        400, "INVALID_ARGUMENT"),
      C("post unknown member", "POST", online,
        R"({"entity":"shop_user","entity_ids":["e1"],"features":["score"],"x":1})", 400,
        "INVALID_ARGUMENT"),
      C("post empty id", "POST", online,
        R"({"entity":"shop_user","entity_ids":[""],"features":["score"]})", 400,
        "INVALID_ARGUMENT"),
      C("post unknown entity", "POST", online,
        R"({"entity":"nobody","entity_ids":["e1"],"features":["score"]})", 404, "NOT_FOUND"),
      C("post unknown feature", "POST", online,
        R"({"entity":"shop_user","entity_ids":["e1"],"features":["score","nope"]})", 404,
        "NOT_FOUND"),
      C("post too many", "POST", online,
        R"({"entity":"shop_user","entity_ids":["1","2","3","4","5","6"],"features":["score"]})",
        413, "PAYLOAD_TOO_LARGE"),
      C("put online", "PUT", online, "{}", 405),
      C("delete online", "DELETE", online, "", 405),
      // historical
      C("hist json", "POST", hist, hbody("[" + row + "]"), 200, "", "", {},
        [](const HttpReply& r) {
          EXPECT_EQ(r.Header("content-type"), "application/json");
          EXPECT_TRUE(r.Json().ok()) << r.body;
        }),
      C("hist csv", "POST", hist, hbody("[" + row + "]"), 200, "", "", csv,
        [](const HttpReply& r) {
          EXPECT_EQ(r.Header("content-type").rfind("text/csv", 0), 0u);
          EXPECT_EQ(r.body, "entity_id,timestamp,score\ne1,2000-01-01T00:00:00Z,\n");
        }),
      C("hist max rows", "POST", hist,
        hbody(rows41.substr(0, rows41.size() - row.size() - 2) + "]"), 200),
      C("hist get", "GET", hist, "", 405),
      C("hist not json", "POST", hist, "{\"entity\":", 400, "INVALID_ARGUMENT"),
      C("hist trailing data", "POST", hist, hbody("[" + row + "]") + "]", 400, "INVALID_ARGUMENT"),
      C("hist unknown member", "POST", hist,
        hbody("[" + row + "]", "shop_user", R"(["score"])", R"(,"limit":1)"), 400,
        "INVALID_ARGUMENT"),
      C("hist missing features", "POST", hist,
        R"({"entity":"shop_user","entity_ids_with_timestamps":[)" + row + "]}", 400,
        "INVALID_ARGUMENT"),
      C("hist empty rows", "POST", hist, hbody("[]"), 400, "INVALID_ARGUMENT"),
      C("hist row wrong type", "POST", hist, hbody(R"([{"entity_id":7,"timestamp":1}])"), 400,
        "INVALID_ARGUMENT"),
      C("hist unknown entity", "POST", hist, hbody("[" + row + "]", "nobody"), 404, "NOT_FOUND"),
      C("hist unknown feature", "POST", hist, hbody("[" + row + "]", "shop_user", R"(["nope"])"),
        404, "NOT_FOUND"),
      C("hist bad timestamp", "POST", hist,
        hbody("[" + row + R"(,{"entity_id":"e1","timestamp":"noon"}])"), 422, "UNPROCESSABLE", "",
        {},
        [](const HttpReply& r) {
          EXPECT_NE(r.body.find("entity_ids_with_timestamps[1].timestamp"), std::string::npos)
              << r.body;
        }),
      C("hist negative timestamp", "POST", hist, hbody(R"([{"entity_id":"e1","timestamp":-5}])"),
        422, "UNPROCESSABLE"),
      C("hist bad mode", "POST", hist,
        hbody("[" + row + "]", "shop_user", R"(["score"])", R"(,"mode":"strict")"), 422,
        "UNPROCESSABLE"),
      C("hist too many rows", "POST", hist, hbody(rows41), 413, "PAYLOAD_TOO_LARGE"),
  };
  RunHttpCases(*http_, cases);
}

TEST_F(HttpServingTest, OnlineReadsBackWhatWasWritten) {
  const std::vector<std::string> ids = {"e1", "e2", "e3"};
  ASSERT_OK_AND_ASSIGN(
      HttpReply get,
      http_->Get("/api/features/online?entity=shop_user&entity_id=e1,e2,e3&features=score,"
                 "amount,label,floats,withdef"));
  ASSERT_EQ(get.status, 200) << get.body;
  ASSERT_OK_AND_ASSIGN(
      HttpReply post,
      http_->Post("/api/features/online",
                  R"({"entity":"shop_user","entity_ids":["e1","e2","e3"],"features":["score",
                      "amount","label","floats","withdef"]})"));
  ASSERT_EQ(post.status, 200) << post.body;
  ASSERT_OK_AND_ASSIGN(json::value a, get.Json());
  ASSERT_OK_AND_ASSIGN(json::value b, post.Json());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.at("entity"), "shop_user");
  EXPECT_EQ(a.at("features"), json::parse(R"(["score","amount","label","floats","withdef"])"));
  const auto& results = a.at("results").as_array();
  ASSERT_EQ(results.size(), ids.size());
  const int64_t now = NowMicros();
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(results[i].at("entity_id"), json::value(ids[i]));
    for (const std::string& f : kFeatures) {
      CheckValue(results[i].at("features").at(f), Model(ids[i], f, now, false), ids[i] + "/" + f);
    }
  }
}

TEST_F(HttpServingTest, HistoricalJsonMatchesTheModelInBothModes) {
  const auto rows = AsOfRows();
  for (bool replay : {false, true}) {
    SCOPED_TRACE(replay ? "replay" : "event_time");
    ASSERT_OK_AND_ASSIGN(HttpReply r,
                         http_->Post("/api/features/historical", HistoricalBody(rows, replay)));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("transfer-encoding"), "chunked");
    ASSERT_OK_AND_ASSIGN(json::value doc, r.Json());
    EXPECT_EQ(doc.at("entity"), "shop_user");
    EXPECT_EQ(doc.at("mode"), replay ? "replay" : "event_time");
    const auto& out = doc.at("rows").as_array();
    ASSERT_EQ(out.size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& [id, t] = rows[i];
      EXPECT_EQ(out[i].at("entity_id"), json::value(id));
      EXPECT_EQ(out[i].at("timestamp"), json::value(Rfc3339(t)));
      for (const std::string& f : kFeatures) {
        CheckValue(out[i].at("features").at(f), Model(id, f, t, replay),
                   "row " + std::to_string(i) + " " + f);
      }
    }
  }
  // The points the model hinges on, spelled out: T one microsecond before an event does
  // not see it; replay hides what was ingested after T.
  ASSERT_OK_AND_ASSIGN(
      HttpReply r,
      http_->Post("/api/features/historical",
                  HistoricalBody({{"e1", base_ + 30 * kSecond - 1}, {"e1", t_mid_}}, false)));
  ASSERT_OK_AND_ASSIGN(json::value doc, r.Json());
  EXPECT_EQ(doc.at("rows").at(0).at("features").at("score").at("value"), 2);
  EXPECT_EQ(doc.at("rows").at(1).at("features").at("score").at("value"), 4);
  ASSERT_OK_AND_ASSIGN(
      r, http_->Post("/api/features/historical", HistoricalBody({{"e1", t_mid_}}, true)));
  ASSERT_OK_AND_ASSIGN(doc, r.Json());
  EXPECT_EQ(doc.at("rows").at(0).at("features").at("score").at("value"), 3);
}

TEST_F(HttpServingTest, HistoricalCsvMatchesTheJson) {
  const auto rows = AsOfRows();
  for (bool replay : {false, true}) {
    for (bool include_status : {false, true}) {
      SCOPED_TRACE(std::string(replay ? "replay" : "event_time") +
                   (include_status ? " with status" : ""));
      ASSERT_OK_AND_ASSIGN(HttpReply r, http_->Post("/api/features/historical",
                                                    HistoricalBody(rows, replay, include_status),
                                                    {{"Accept", "text/csv"}}));
      ASSERT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.Header("content-type"), "text/csv; charset=utf-8");
      auto lines = ParseCsv(r.body);
      ASSERT_EQ(lines.size(), rows.size() + 1);
      std::vector<std::string> header = {"entity_id", "timestamp"};
      for (const std::string& f : kFeatures) {
        header.push_back(f);
        if (include_status) header.push_back(f + "__status");
      }
      EXPECT_EQ(lines[0], header);
      for (size_t i = 0; i < rows.size(); ++i) {
        const auto& [id, t] = rows[i];
        const auto& line = lines[i + 1];
        ASSERT_EQ(line.size(), header.size()) << "line " << i + 1;
        EXPECT_EQ(line[0], id);
        EXPECT_EQ(line[1], Rfc3339(t));
        size_t col = 2;
        for (const std::string& f : kFeatures) {
          Expected want = Model(id, f, t, replay);
          if (want.value.is_array()) {
            EXPECT_EQ(json::parse(line[col]), want.value) << "line " << i + 1 << " " << f;
          } else {
            EXPECT_EQ(line[col], CsvCell(want)) << "line " << i + 1 << " " << f;
          }
          ++col;
          if (include_status) {
            EXPECT_EQ(line[col++], want.status) << "line " << i + 1;
          }
        }
      }
    }
  }
}

TEST_F(HttpServingTest, KeepAliveSurvivesStreamsAndErrors) {
  // A streamed answer, an error and an online read in a row on one connection.
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(HttpReply r,
                         http_->Post("/api/features/historical", HistoricalBody(AsOfRows(), false),
                                     {{"Accept", "text/csv"}}));
    EXPECT_EQ(r.status, 200);
    ASSERT_OK_AND_ASSIGN(r, http_->Post("/api/features/historical", "{"));
    EXPECT_EQ(r.status, 400);
    ASSERT_OK_AND_ASSIGN(
        r, http_->Get("/api/features/online?entity=shop_user&entity_id=e1&features=score"));
    EXPECT_EQ(r.status, 200);
  }
}

}  // namespace
}  // namespace asof::testing
