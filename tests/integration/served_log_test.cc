// Feature logging end to end: an asofd whose config sets [logging] sample_rate = 1 logs
// every entity row its online reads serve, over HTTP and the native protocol alike;
// GET /api/logging/served (JSON Lines, CSV, pages), the native ServedLogRequest and the
// shell's export-served then return exactly those rows, values and statuses included.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/integration/test_tokens.h"
#include "tests/util/http_client.h"
#include "tests/util/test_util.h"
#include "wire/client.h"

namespace asof::testing {
namespace {

namespace json = boost::json;

constexpr int64_t kEvent = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A CSV line without its first cell (the request time, printed with different
// precision rules by the server and the shell).
std::string AfterFirstCell(const std::string& line) { return line.substr(line.find(',')); }

class ServedLogIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = dir_.path() + "/asofd.toml";
    std::ofstream(path) << kTestTokensToml << "\n[logging]\nsample_rate = 1.0\n";
    daemon_ = std::make_unique<Daemon>(ASOFD_PATH, TestDaemonFlags({"--config", path}));
    ASSERT_OK(daemon_->Start());
    http_ = std::make_unique<HttpClient>("127.0.0.1", daemon_->http_port(), kAdminX);
    Post("/api/entities", R"({"name":"user"})", 201);
    Post("/api/features", R"({"name":"age","entity":"user","value_type":"INT64"})", 201);
    Post("/api/features", R"({"name":"name","entity":"user","value_type":"STRING"})", 201);
    const std::string ts = std::to_string(kEvent);
    Post("/api/ingest",
         R"([{"entity":"user","entity_id":"u1","feature":"age","value":31,"event_timestamp":)" +
             ts + R"(},{"entity":"user","entity_id":"u1","feature":"name","value":"ann, jr",)" +
             R"("event_timestamp":)" + ts +
             R"(},{"entity":"user","entity_id":"u2","feature":"name","value":null,)" +
             R"("event_timestamp":)" + ts + "}]",
         201);
    // Served over HTTP: three rows (u3 was never written)...
    Post("/api/features/online",
         R"({"entity":"user","entity_ids":["u1","u2","u3"],"features":["age","name"]})", 200);
    // ...and one over the native protocol.
    ClientOptions options = OptionsFor(*daemon_);
    options.token = kReaderA;
    ASSERT_OK_AND_ASSIGN(client_, Client::Connect(options));
    ASSERT_OK(client_->OnlineRead("user", {"u1"}, {"age"}).status());
    http_->set_token(kReaderA);
  }

  void Post(const std::string& target, const std::string& body, int status) {
    ASSERT_OK_AND_ASSIGN(HttpReply r, http_->Post(target, body));
    ASSERT_EQ(r.status, status) << target << ": " << r.body;
  }

  HttpReply Get(const std::string& target) {
    Result<HttpReply> r = http_->Get(target);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpReply{};
  }

  std::vector<json::object> JsonLines(const std::string& body) {
    std::vector<json::object> out;
    for (const std::string& line : Lines(body)) {
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      EXPECT_FALSE(ec) << line;
      if (!ec && v.is_object()) out.push_back(v.as_object());
    }
    return out;
  }

  ProcessResult Shell(const std::string& command) {
    Result<ProcessResult> r =
        RunProcess({ASOF_SHELL_PATH, "--port", std::to_string(daemon_->port()), "--token", kReaderA,
                    "-c", command},
                   std::chrono::seconds(60));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ProcessResult{};
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Client> client_;
};

TEST_F(ServedLogIntegrationTest, JsonLinesHoldExactlyTheServedRows) {
  HttpReply r = Get("/api/logging/served");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/x-ndjson");
  EXPECT_EQ(r.Header("x-asof-next-after"), "");
  std::vector<json::object> rows = JsonLines(r.body);
  ASSERT_EQ(rows.size(), 4u) << r.body;
  const char* ids[] = {"u1", "u2", "u3", "u1"};
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at("entity").as_string(), "user");
    EXPECT_EQ(rows[i].at("entity_id").as_string(), ids[i]);
  }
  const json::object& u1 = rows[0].at("features").as_object();
  EXPECT_EQ(u1.at("age@1").at("value").as_int64(), 31);
  EXPECT_EQ(u1.at("age@1").at("status").as_string(), "PRESENT");
  EXPECT_EQ(u1.at("name@1").at("value").as_string(), "ann, jr");
  const json::object& u2 = rows[1].at("features").as_object();
  EXPECT_EQ(u2.at("name@1").at("status").as_string(), "NULL_VALUE");
  EXPECT_TRUE(u2.at("name@1").at("value").is_null());
  EXPECT_EQ(u2.at("age@1").at("status").as_string(), "NOT_FOUND");
  const json::object& u3 = rows[2].at("features").as_object();
  EXPECT_EQ(u3.at("age@1").at("status").as_string(), "NOT_FOUND");
  EXPECT_EQ(u3.at("name@1").at("status").as_string(), "NOT_FOUND");
  const json::object& native = rows[3].at("features").as_object();
  EXPECT_EQ(native.size(), 1u);
  EXPECT_EQ(native.at("age@1").at("value").as_int64(), 31);

  // The entity filter, and a time range that ends before any read.
  EXPECT_EQ(JsonLines(Get("/api/logging/served?entity=user").body).size(), 4u);
  r = Get("/api/logging/served?to=2020-01-01T00:00:00Z");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
}

TEST_F(ServedLogIntegrationTest, CsvHasOneColumnPairPerFeature) {
  HttpReply r = Get("/api/logging/served?format=csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "text/csv; charset=utf-8");
  std::vector<std::string> lines = Lines(r.body);
  ASSERT_EQ(lines.size(), 5u) << r.body;
  EXPECT_EQ(lines[0],
            "request_timestamp,entity_type,entity_id,age@1,age@1__status,name@1,name@1__status");
  EXPECT_EQ(AfterFirstCell(lines[1]), ",user,u1,31,PRESENT,\"ann, jr\",PRESENT");
  EXPECT_EQ(AfterFirstCell(lines[2]), ",user,u2,,NOT_FOUND,,NULL_VALUE");
  EXPECT_EQ(AfterFirstCell(lines[3]), ",user,u3,,NOT_FOUND,,NOT_FOUND");
  EXPECT_EQ(AfterFirstCell(lines[4]), ",user,u1,31,PRESENT,,");
}

TEST_F(ServedLogIntegrationTest, PagesResumeAfterTheCursor) {
  std::vector<std::string> ids;
  std::string target = "/api/logging/served?limit=3";
  for (int guard = 0; guard < 5; ++guard) {
    HttpReply r = Get(target);
    ASSERT_EQ(r.status, 200) << r.body;
    for (const json::object& row : JsonLines(r.body)) {
      ids.emplace_back(row.at("entity_id").as_string());
    }
    const std::string next = r.Header("x-asof-next-after");
    if (next.empty()) break;
    target = "/api/logging/served?limit=3&after=" + next;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"u1", "u2", "u3", "u1"}));

  // The same rows through the native protocol, two per page.
  wire::ServedLogRequestT request;
  request.limit = 2;
  std::vector<std::string> native;
  for (int guard = 0; guard < 5; ++guard) {
    ASSERT_OK_AND_ASSIGN(wire::ServedLogResponseT page, client_->ServedLog(request));
    if (page.rows.empty()) break;
    for (const auto& row : page.rows) native.push_back(row->entity_id);
    request.has_after = true;
    request.after_ts = page.rows.back()->request_ts;
    request.after_seq = page.rows.back()->seq;
  }
  EXPECT_EQ(native, ids);
  request = {};
  ASSERT_OK_AND_ASSIGN(wire::ServedLogResponseT all, client_->ServedLog(request));
  ASSERT_EQ(all.rows.size(), 4u);
  EXPECT_EQ(all.rows[0]->features, (std::vector<std::string>{"age@1", "name@1"}));
  ASSERT_EQ(all.rows[1]->values.size(), 2u);
  EXPECT_EQ(all.rows[1]->values[1]->status, vs::kNullValue);
  EXPECT_EQ(all.rows[0]->values[0]->value->i, 31);

  request.entity_type = "nobody";
  EXPECT_EQ(client_->ServedLog(request).status().code(), ErrorCode::kNotFound);
  request = {};
  request.from_ts = 10;
  request.to_ts = 5;
  EXPECT_EQ(client_->ServedLog(request).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ServedLogIntegrationTest, BadParametersAre400) {
  for (const char* query :
       {"format=xml", "limit=0", "limit=10001", "limit=abc", "after=12", "after=a-b", "after=-1-2",
        "from=yesterday", "to=2026-13-01T00:00:00Z", "from=200&to=100", "entity=", "sort=asc"}) {
    HttpReply r = Get(std::string("/api/logging/served?") + query);
    EXPECT_EQ(r.status, 400) << query << ": " << r.body;
  }
  EXPECT_EQ(Get("/api/logging/served?entity=nobody").status, 404);
}

TEST_F(ServedLogIntegrationTest, ShellExportWritesTheRows) {
  const std::string csv_path = dir_.path() + "/served.csv";
  ProcessResult csv = Shell("export-served --format csv --output " + csv_path);
  ASSERT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_EQ(csv.output, "4 rows written to " + csv_path + "\n");
  std::stringstream file;
  file << std::ifstream(csv_path).rdbuf();
  const std::vector<std::string> got = Lines(file.str());
  const std::vector<std::string> want = Lines(Get("/api/logging/served?format=csv").body);
  ASSERT_EQ(got.size(), want.size()) << file.str();
  EXPECT_EQ(got[0], want[0]);
  for (size_t i = 1; i < got.size(); ++i)
    EXPECT_EQ(AfterFirstCell(got[i]), AfterFirstCell(want[i]));

  ProcessResult jsonl = Shell("export-served --entity user --from 2020-01-01");
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.output;
  std::vector<json::object> rows = JsonLines(jsonl.output);
  ASSERT_EQ(rows.size(), 4u) << jsonl.output;
  EXPECT_EQ(rows[0].at("entity_id").as_string(), "u1");
  EXPECT_EQ(rows[0].at("features").at("name@1").at("value").as_string(), "ann, jr");
  EXPECT_EQ(rows[1].at("features").at("name@1").at("status").as_string(), "NULL_VALUE");

  ProcessResult bad = Shell("export-served --format xml");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("INVALID_ARGUMENT"), std::string::npos) << bad.output;
}

TEST_F(ServedLogIntegrationTest, FailedShellExportLeavesNoFileAndKeepsAnEarlierOne) {
  const std::string path = dir_.path() + "/served.jsonl";
  ProcessResult failed = Shell("export-served --entity nobody --output " + path);
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("NOT_FOUND"), std::string::npos) << failed.output;
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));

  ProcessResult ok = Shell("export-served --output " + path);
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  std::stringstream before;
  before << std::ifstream(path).rdbuf();
  ASSERT_EQ(Lines(before.str()).size(), 4u) << before.str();
  failed = Shell("export-served --entity nobody --output " + path);
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  std::stringstream after;
  after << std::ifstream(path).rdbuf();
  EXPECT_EQ(after.str(), before.str());
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

}  // namespace
}  // namespace asof::testing
