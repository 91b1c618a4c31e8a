// Authentication and authorization on the native protocol, against a real asofd whose
// config holds reader / writer / admin tokens of two teams: every request type x role
// (allowed or PERMISSION_DENIED), no hello and wrong tokens (UNAUTHENTICATED), team
// ownership of features, the per-token rate limit (RESOURCE_EXHAUSTED after the burst),
// protected mode, and `asofd hash-token`, whose hashes configure the daemon itself.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/integration_util.h"
#include "tests/util/test_util.h"
#include "wire/client.h"
#include "wire/frame.h"

namespace asof::testing {
namespace {

using wire::MessageType;

// SHA-256("abc"), FIPS 180-2; the unit test checks Sha256Hex against the same vector.
constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// `asofd hash-token --secret SECRET`: the hash, or an error carrying the output.
Result<std::string> HashToken(const std::string& secret) {
  ASSIGN_OR_RETURN(ProcessResult run, RunProcess({ASOFD_PATH, "hash-token", "--secret", secret}));
  if (run.exit_code != 0 || run.output.size() != 65 || run.output.back() != '\n') {
    return Internal("asofd hash-token: exit " + std::to_string(run.exit_code) + ": " + run.output);
  }
  return run.output.substr(0, 64);
}

struct TokenDef {
  std::string name, secret, role, team;
  std::string extra;  // more TOML lines of the block
};

const std::vector<TokenDef>& Tokens() {
  static const std::vector<TokenDef> kTokens = {
      {"g-reader", "secret-g-reader", "reader", "growth", ""},
      {"g-writer", "secret-g-writer", "writer", "growth", ""},
      {"g-admin", "secret-g-admin", "admin", "growth", ""},
      {"r-reader", "secret-r-reader", "reader", "risk", ""},
      {"r-writer", "secret-r-writer", "writer", "risk", ""},
      {"r-admin", "secret-r-admin", "admin", "risk", ""},
      // One request per 100 s after a burst of [auth].rate_limit_burst: the test never
      // sees a refill.
      {"limited", "secret-limited", "reader", "growth", "rate_limit_rps = 0.01\n"},
  };
  return kTokens;
}

Result<std::string> WriteConfig(const std::string& dir) {
  std::string toml = "[auth]\nrate_limit_burst = 5\n";
  for (const TokenDef& t : Tokens()) {
    ASSIGN_OR_RETURN(std::string hash, HashToken(t.secret));
    toml += "[[auth.tokens]]\nname = \"" + t.name + "\"\nsha256 = \"" + hash + "\"\nrole = \"" +
            t.role + "\"\nteam = \"" + t.team + "\"\n" + t.extra;
  }
  std::string path = dir + "/asofd.toml";
  std::ofstream(path) << toml;
  return path;
}

class NativeAuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    config_dir_ = new TempDir();
    auto path = WriteConfig(config_dir_->path());
    ASSERT_OK(path);
    daemon_ = new Daemon(ASOFD_PATH, TestDaemonFlags({"--config", *path}));
    ASSERT_OK(daemon_->Start());
    // Shared state every case needs, created by an admin.
    ASSERT_OK_AND_ASSIGN(auto admin, Client::Connect(As("secret-g-admin")));
    ASSERT_OK(admin->RegisterEntityType("user", "a user").status());
    auto clicks = Spec("user", "clicks", vt::kInt64);
    clicks.owner = "growth";
    ASSERT_OK(admin->RegisterFeature(clicks).status());
    auto risk_score = Spec("user", "risk_score", vt::kDouble);
    risk_score.owner = "risk";
    ASSERT_OK(admin->RegisterFeature(risk_score).status());
  }
  static void TearDownTestSuite() {
    delete daemon_;
    delete config_dir_;
  }

  void SetUp() override { ASSERT_TRUE(daemon_ != nullptr && daemon_->running()); }

  static ClientOptions As(const std::string& secret) {
    ClientOptions options = OptionsFor(*daemon_);
    options.token = secret;
    return options;
  }
  static std::unique_ptr<Client> Connect(const std::string& secret) {
    auto client = Client::Connect(As(secret));
    EXPECT_TRUE(client.ok()) << secret << ": " << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  static TempDir* config_dir_;
  static Daemon* daemon_;
};

TempDir* NativeAuthTest::config_dir_ = nullptr;
Daemon* NativeAuthTest::daemon_ = nullptr;

TEST_F(NativeAuthTest, StartupLogNamesTheTokens) {
  std::string log = daemon_->log();
  EXPECT_NE(log.find("[auth] 7 API token(s) configured"), std::string::npos) << log;
  EXPECT_NE(log.find("g-writer (writer, team growth)"), std::string::npos) << log;
  EXPECT_EQ(log.find("secret-"), std::string::npos) << "a secret in the log:\n" << log;
  EXPECT_EQ(log.find("protected mode"), std::string::npos) << log;
}

// One request of each native type, as `client` sends it; `tag` keeps the objects each
// role creates apart.
using Request = std::function<Status(Client& client, const std::string& tag)>;

std::map<std::string, Request> AllRequests() {
  return {
      {"Ping", [](Client& c, const std::string&) { return c.Ping().status(); }},
      {"Stats", [](Client& c, const std::string&) { return c.Stats().status(); }},
      {"ListEntityTypes",
       [](Client& c, const std::string&) { return c.ListEntityTypes().status(); }},
      {"DescribeFeature",
       [](Client& c, const std::string&) { return c.DescribeFeature("user", "clicks").status(); }},
      {"ListFeatures", [](Client& c, const std::string&) { return c.ListFeatures({}).status(); }},
      {"OnlineRead",
       [](Client& c, const std::string&) {
         return c.OnlineRead("user", {"u1", "u2"}, {"clicks"}).status();
       }},
      {"AsOfRead",
       [](Client& c, const std::string&) {
         wire::AsOfRowT row;
         row.entity_id = "u1";
         row.ts = NowMicros();
         return c.AsOfRead("user", {"clicks"}, false, {row},
                           [](const wire::AsOfReadChunkT&) { return Status::Ok(); });
       }},
      {"RegisterEntityType",
       [](Client& c, const std::string& tag) {
         return c.RegisterEntityType("item_" + tag, "").status();
       }},
      {"RegisterFeature",
       [](Client& c, const std::string& tag) {
         auto spec = Spec("user", "reg_" + tag, vt::kInt64);
         spec.owner = "growth";
         return c.RegisterFeature(spec).status();
       }},
      {"DeprecateFeature",
       [](Client& c, const std::string& tag) { return c.DeprecateFeature("user", "dep_" + tag); }},
      {"Write",
       [](Client& c, const std::string& tag) {
         auto written = c.Write({Record("user", "u-" + tag, "clicks", Int64(1), NowMicros())});
         if (!written.ok()) return written.status();
         return written->accepted == 1 ? Status::Ok() : Internal("write not accepted");
       }},
      {"ListDeadLetters",
       [](Client& c, const std::string&) { return c.ListDeadLetters(std::nullopt, 10).status(); }},
  };
}

TEST_F(NativeAuthTest, EveryRequestTypeByEveryRole) {
  const std::set<std::string> kWriterOnly = {"RegisterEntityType", "RegisterFeature",
                                             "DeprecateFeature", "Write", "ListDeadLetters"};
  auto admin = Connect("secret-g-admin");
  ASSERT_NE(admin, nullptr);
  for (const char* role : {"reader", "writer", "admin"}) {
    // Something of growth's for each role to deprecate.
    auto dep = Spec("user", std::string("dep_") + role, vt::kInt64);
    dep.owner = "growth";
    ASSERT_OK(admin->RegisterFeature(dep).status());
  }
  ASSERT_EQ(AllRequests().size(), 12u) << "a native request type without a case here";
  for (const char* role : {"reader", "writer", "admin"}) {
    auto client = Connect(std::string("secret-g-") + role);
    ASSERT_NE(client, nullptr);
    for (const auto& [name, request] : AllRequests()) {
      Status s = request(*client, role);
      const bool allowed = std::string(role) != "reader" || !kWriterOnly.count(name);
      if (allowed) {
        EXPECT_TRUE(s.ok()) << role << " " << name << ": " << s.ToString();
      } else {
        EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied)
            << role << " " << name << ": " << s.ToString();
        EXPECT_NE(s.message().find("writer"), std::string::npos) << s.message();
      }
    }
  }
  // The reader's refused changes did not happen.
  EXPECT_EQ(admin->DescribeFeature("user", "reg_reader").status().code(), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto dep, admin->DescribeFeature("user", "dep_reader"));
  ASSERT_EQ(dep.versions.size(), 1u);
  EXPECT_FALSE(dep.versions[0]->deprecated);
}

TEST_F(NativeAuthTest, MissingOrWrongTokensAreUnauthenticated) {
  for (const std::string& secret :
       {std::string(), std::string("nope"), std::string("secret-g-admin "),
        std::string("SECRET-G-ADMIN"), std::string(64, 'a')}) {
    auto client = Client::Connect(As(secret));
    ASSERT_FALSE(client.ok()) << "accepted '" << secret << "'";
    EXPECT_EQ(client.status().code(), ErrorCode::kUnauthenticated) << client.status().ToString();
    EXPECT_EQ(client.status().message().find("g-admin"), std::string::npos)
        << "names a token: " << client.status().message();
  }
}

// A plain TCP connection, to send requests without (or before) a hello.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ConnectLoopback(port);
    connected_ = fd_ >= 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }

  // Sends one request and returns the status of its answer (OK for a non-error frame).
  Status Call(MessageType type, const flatbuffers::FlatBufferBuilder& fbb) {
    std::string bytes;
    wire::AppendFrame(type, 0, ++request_id_, std::span(fbb.GetBufferPointer(), fbb.GetSize()),
                      &bytes);
    if (::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))
      return Unavailable("send failed");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      wire::FrameHeader h;
      std::string_view payload;
      wire::FrameError error;
      auto step = decoder_.Next(&h, &payload, &error);
      if (step == wire::FrameDecoder::Step::kFrame) {
        if (h.request_id != request_id_) return Internal("answer to another request");
        return StatusOfFrame(Frame{h.type, h.flags, h.request_id, std::string(payload)});
      }
      if (step == wire::FrameDecoder::Step::kError) return Internal("malformed frame");
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return Unavailable("no answer");
      }
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return Unavailable("closed by asofd");
      decoder_.Append(std::string_view(buf, static_cast<size_t>(n)));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  uint64_t request_id_ = 0;
  wire::FrameDecoder decoder_;
};

flatbuffers::FlatBufferBuilder Ping() {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreatePingRequest(fbb));
  return fbb;
}

flatbuffers::FlatBufferBuilder Hello(const char* token) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateHelloRequestDirect(fbb, "raw", token));
  return fbb;
}

TEST_F(NativeAuthTest, RequestsBeforeAHelloAreUnauthenticatedAndTheConnectionSurvives) {
  RawConnection raw(daemon_->port());
  ASSERT_TRUE(raw.connected());
  Status before = raw.Call(MessageType::kPingRequest, Ping());
  EXPECT_EQ(before.code(), ErrorCode::kUnauthenticated) << before.ToString();
  EXPECT_NE(before.message().find("HelloRequest"), std::string::npos) << before.message();
  flatbuffers::FlatBufferBuilder list;
  list.Finish(wire::CreateListFeaturesRequestDirect(list));
  EXPECT_EQ(raw.Call(MessageType::kListFeaturesRequest, list).code(), ErrorCode::kUnauthenticated);
  // A failed hello grants nothing ...
  EXPECT_EQ(raw.Call(MessageType::kHelloRequest, Hello("wrong")).code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(raw.Call(MessageType::kHelloRequest, Hello(nullptr)).code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(raw.Call(MessageType::kPingRequest, Ping()).code(), ErrorCode::kUnauthenticated);
  // ... a good one on the same connection does.
  EXPECT_OK(raw.Call(MessageType::kHelloRequest, Hello("secret-r-reader")));
  EXPECT_OK(raw.Call(MessageType::kPingRequest, Ping()));
  flatbuffers::FlatBufferBuilder entity;
  entity.Finish(wire::CreateRegisterEntityTypeRequestDirect(entity, "raw_entity", ""));
  EXPECT_EQ(raw.Call(MessageType::kRegisterEntityTypeRequest, entity).code(),
            ErrorCode::kPermissionDenied);
}

// Describes user/`name` as `client` sees it: the newest version's owner.
std::string OwnerOf(Client& client, const std::string& name) {
  auto d = client.DescribeFeature("user", name);
  if (!d.ok() || d->versions.empty()) return "(" + d.status().ToString() + ")";
  return d->versions.back()->spec->owner;
}

TEST_F(NativeAuthTest, WritersChangeOnlyTheirTeamsFeatures) {
  auto growth = Connect("secret-g-writer");
  auto risk = Connect("secret-r-writer");
  auto risk_admin = Connect("secret-r-admin");
  ASSERT_TRUE(growth && risk && risk_admin);

  // A new feature: checked against the owner it is registered with.
  auto theirs = Spec("user", "risk_for_growth", vt::kInt64);
  theirs.owner = "growth";
  EXPECT_EQ(risk->RegisterFeature(theirs).status().code(), ErrorCode::kPermissionDenied);
  // Without an owner, a writer registers for its own team.
  auto unowned = Spec("user", "risk_default_owner", vt::kInt64);
  ASSERT_OK(risk->RegisterFeature(unowned).status());
  EXPECT_EQ(OwnerOf(*growth, "risk_default_owner"), "risk");

  // An existing feature: checked against its current owner, so re-registering another
  // team's feature with oneself as owner is no takeover.
  auto takeover = Spec("user", "clicks", vt::kInt64);
  takeover.owner = "risk";
  Status s = risk->RegisterFeature(takeover).status();
  EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("growth"), std::string::npos) << s.message();
  takeover.owner = "";  // defaults to risk: the same
  EXPECT_EQ(risk->RegisterFeature(takeover).status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(OwnerOf(*growth, "clicks"), "growth");
  // Its owner may change its metadata.
  auto update = Spec("user", "clicks", vt::kInt64);
  update.owner = "growth";
  update.description = "clicks in the last hour";
  EXPECT_OK(growth->RegisterFeature(update).status());

  // Deprecation.
  EXPECT_EQ(risk->DeprecateFeature("user", "clicks").code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(growth->DeprecateFeature("user", "risk_score").code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(growth->DeprecateFeature("user", "no_such_feature").code(), ErrorCode::kNotFound);
  EXPECT_OK(risk->DeprecateFeature("user", "risk_default_owner"));
  // Admins of any team change anything.
  auto adopted = Spec("user", "growth_by_risk_admin", vt::kInt64);
  adopted.owner = "growth";
  EXPECT_OK(risk_admin->RegisterFeature(adopted).status());
  EXPECT_OK(risk_admin->DeprecateFeature("user", "growth_by_risk_admin"));
  // Writes are not per team: any writer writes any feature.
  ASSERT_OK_AND_ASSIGN(auto written,
                       risk->Write({Record("user", "u9", "clicks", Int64(3), NowMicros())}));
  EXPECT_EQ(written.accepted, 1u);
}

TEST_F(NativeAuthTest, RateLimitRefusesAfterTheBurst) {
  auto limited = Connect("secret-limited");
  auto other = Connect("secret-g-reader");
  ASSERT_TRUE(limited && other);
  // The hello is free; the burst is 5.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limited->Ping().ok()) << i;
  Status refused = limited->Ping().status();
  EXPECT_EQ(refused.code(), ErrorCode::kResourceExhausted) << refused.ToString();
  EXPECT_NE(refused.message().find("retry in 100 s"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message().find("limited"), std::string::npos) << refused.message();
  // The bucket is the token's, not the connection's ...
  auto again = Connect("secret-limited");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->Ping().status().code(), ErrorCode::kResourceExhausted);
  // ... and other tokens are unaffected.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(other->Ping().ok()) << i;
}

TEST(NativeAuthProcessTest, ProtectedModeRefusesToListenBeyondLoopback) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(ProcessResult run,
                       RunProcess({ASOFD_PATH, "--data-dir", dir.path() + "/data", "--listen",
                                   "0.0.0.0", "--port", "0", "--http-port", "0"}));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("protected mode"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("0.0.0.0"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("asofd hash-token"), std::string::npos) << run.output;
}

TEST(NativeAuthProcessTest, ProtectedModeOnLoopbackNeedsNoToken) {
  Daemon daemon(ASOFD_PATH, TestDaemonFlags());
  ASSERT_OK(daemon.Start());
  EXPECT_NE(daemon.log().find("[auth] protected mode: no tokens configured"), std::string::npos)
      << daemon.log();
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(OptionsFor(daemon)));
  EXPECT_OK(client->RegisterEntityType("user", "").status());
  // A token shown anyway changes nothing.
  ClientOptions with_token = OptionsFor(daemon);
  with_token.token = "anything";
  ASSERT_OK_AND_ASSIGN(auto other, Client::Connect(with_token));
  EXPECT_OK(other->ListDeadLetters(std::nullopt, 1).status());
}

TEST(HashTokenTest, PrintsTheSha256OfTheSecret) {
  ASSERT_OK_AND_ASSIGN(std::string abc, HashToken("abc"));
  EXPECT_EQ(abc, kAbcSha256);
  // From stdin: one line, the newline not part of the secret.
  TempDir dir;
  std::ofstream(dir.path() + "/secret") << "abc\n";
  ASSERT_OK_AND_ASSIGN(ProcessResult piped, RunProcess({"/bin/sh", "-c",
                                                        std::string(ASOFD_PATH) + " hash-token < " +
                                                            dir.path() + "/secret"}));
  EXPECT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output, std::string(kAbcSha256) + "\n");
  // An empty secret is refused.
  ASSERT_OK_AND_ASSIGN(ProcessResult empty, RunProcess({ASOFD_PATH, "hash-token"}));
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_NE(empty.output.find("empty"), std::string::npos) << empty.output;
  ASSERT_OK_AND_ASSIGN(ProcessResult help, RunProcess({ASOFD_PATH, "hash-token", "--help"}));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--generate"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("stdin"), std::string::npos) << help.output;
}

// The value of "key: VALUE" or `key = "VALUE"` in `text`; empty when absent.
std::string Field(const std::string& text, const std::string& prefix, char end) {
  size_t at = text.find(prefix);
  if (at == std::string::npos) return "";
  at += prefix.size();
  return text.substr(at, text.find(end, at) - at);
}

TEST(HashTokenTest, GeneratedTokenBlockConfiguresAWorkingToken) {
  ASSERT_OK_AND_ASSIGN(ProcessResult gen,
                       RunProcess({ASOFD_PATH, "hash-token", "--generate", "--name", "ci", "--role",
                                   "writer", "--team", "growth"}));
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const std::string secret = Field(gen.output, "secret: ", '\n');
  const std::string hash = Field(gen.output, "sha256: ", '\n');
  EXPECT_EQ(secret.size(), 43u) << gen.output;  // 32 bytes, base64url without padding
  ASSERT_OK_AND_ASSIGN(std::string rehashed, HashToken(secret));
  EXPECT_EQ(hash, rehashed);
  // Two runs never give the same secret.
  ASSERT_OK_AND_ASSIGN(ProcessResult gen2, RunProcess({ASOFD_PATH, "hash-token", "--generate"}));
  EXPECT_NE(Field(gen2.output, "secret: ", '\n'), secret);

  // The printed block, pasted as it is, is a config asofd accepts and the secret opens.
  const size_t block = gen.output.find("[[auth.tokens]]");
  ASSERT_NE(block, std::string::npos) << gen.output;
  TempDir dir;
  const std::string path = dir.path() + "/asofd.toml";
  std::ofstream(path) << gen.output.substr(block);
  Daemon daemon(ASOFD_PATH, TestDaemonFlags({"--config", path}));
  ASSERT_OK(daemon.Start());
  ClientOptions options = OptionsFor(daemon);
  options.token = secret;
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect(options));
  EXPECT_OK(client->RegisterEntityType("user", "").status());  // a writer
}

}  // namespace
}  // namespace asof::testing
