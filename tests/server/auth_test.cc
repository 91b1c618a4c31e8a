// Authentication and authorization: SHA-256 against published vectors, the token store
// (protected mode, per-token rates), the Bearer header parser with malformed headers,
// role ordering and the RequireOwner matrix.
#include "server/auth.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/util/test_util.h"

namespace asof::server {
namespace {

// FIPS 180-2 / NIST examples.
TEST(Sha256HexTest, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Bytes, not C strings: an embedded NUL is hashed.
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("a"));
}

TEST(RoleTest, NamesRoundTripAndOrder) {
  for (Role r : {Role::kReader, Role::kWriter, Role::kAdmin}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
  }
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
  EXPECT_EQ(ParseRole(""), std::nullopt);
  EXPECT_EQ(ParseRole("root"), std::nullopt);
  EXPECT_LT(Role::kReader, Role::kWriter);
  EXPECT_LT(Role::kWriter, Role::kAdmin);
}

ServerConfig WithTokens() {
  ServerConfig c;
  c.rate_limit_rps = 50;
  c.rate_limit_burst = 7;
  c.tokens = {
      {"dash", Sha256Hex("reader-secret"), "reader", "growth", -1},
      {"pipe", Sha256Hex("writer-secret"), "writer", "growth", 5},
      {"ops", Sha256Hex("admin-secret"), "admin", "", 0},
  };
  return c;
}

TEST(TokenStoreTest, ProtectedModeMakesEveryCallerTheAnonymousAdmin) {
  ServerConfig c;
  c.rate_limit_rps = 9;
  TokenStore store(c);
  EXPECT_FALSE(store.enabled());
  for (auto secret : {std::optional<std::string_view>(), std::optional<std::string_view>("x")}) {
    ASSERT_OK_AND_ASSIGN(Principal p, store.Authenticate(secret));
    EXPECT_TRUE(p.anonymous);
    EXPECT_EQ(p.name, "anonymous");
    EXPECT_EQ(p.role, Role::kAdmin);
    EXPECT_EQ(p.rate_limit_rps, 9);  // a configured rate applies to anonymous callers too
  }
  // Even a malformed header: there is nothing to check it against.
  ASSERT_OK_AND_ASSIGN(Principal h, store.AuthenticateHeader("Basic Zm9vOmJhcg=="));
  EXPECT_TRUE(h.anonymous);
}

TEST(TokenStoreTest, SecretsMapToTheirPrincipals) {
  TokenStore store(WithTokens());
  EXPECT_TRUE(store.enabled());
  ASSERT_OK_AND_ASSIGN(Principal reader, store.Authenticate("reader-secret"));
  EXPECT_EQ(reader.name, "dash");
  EXPECT_EQ(reader.role, Role::kReader);
  EXPECT_EQ(reader.team, "growth");
  EXPECT_FALSE(reader.anonymous);
  EXPECT_EQ(reader.rate_limit_rps, 50);  // -1: the [auth] default
  EXPECT_EQ(reader.rate_limit_burst, 7);
  ASSERT_OK_AND_ASSIGN(Principal writer, store.Authenticate("writer-secret"));
  EXPECT_EQ(writer.role, Role::kWriter);
  EXPECT_EQ(writer.rate_limit_rps, 5);
  ASSERT_OK_AND_ASSIGN(Principal admin, store.Authenticate("admin-secret"));
  EXPECT_EQ(admin.role, Role::kAdmin);
  EXPECT_EQ(admin.rate_limit_rps, 0);  // explicitly unlimited
}

TEST(TokenStoreTest, MissingOrUnknownSecretsAreUnauthenticated) {
  TokenStore store(WithTokens());
  for (auto secret : {std::optional<std::string_view>(), std::optional<std::string_view>(""),
                      std::optional<std::string_view>("reader-secret "),
                      std::optional<std::string_view>("Reader-secret"),
                      std::optional<std::string_view>(Sha256Hex("reader-secret"))}) {
    auto p = store.Authenticate(secret);
    ASSERT_FALSE(p.ok()) << (secret ? *secret : "(none)");
    EXPECT_EQ(p.status().code(), ErrorCode::kUnauthenticated);
    // Never names a token or hints at one.
    EXPECT_EQ(p.status().message().find("dash"), std::string::npos);
  }
}

TEST(TokenStoreTest, BearerHeaders) {
  TokenStore store(WithTokens());
  for (const char* ok : {"Bearer writer-secret", "bearer writer-secret", "BEARER writer-secret",
                         "bEaReR writer-secret"}) {
    ASSERT_OK_AND_ASSIGN(Principal p, store.AuthenticateHeader(ok));
    EXPECT_EQ(p.name, "pipe") << ok;
  }
  // Wrong secret in a well-formed header.
  EXPECT_EQ(store.AuthenticateHeader("Bearer nope").status().code(), ErrorCode::kUnauthenticated);
}

TEST(TokenStoreTest, MalformedHeadersAreUnauthenticated) {
  TokenStore store(WithTokens());
  const char* bad[] = {
      "",                            // none
      "Bearer",                      // no token
      "Bearer ",                     // empty token
      "Bearer  writer-secret",       // two spaces
      "Bearer writer-secret ",       // trailing space
      "Bearer writer-secret extra",  // two tokens
      "Bearer\twriter-secret",       // tab instead of space
      " Bearer writer-secret",       // leading space
      "writer-secret",               // no scheme
      "Basic d3JpdGVyLXNlY3JldA==",  // another scheme
      "Token writer-secret",         // another scheme
      "Bearerwriter-secret",         // no separator
      "Bearer: writer-secret",       // a colon
      "Bearer writer-secret\r\n",    // line ending kept
      "Bearer writer\x01secret",     // control byte
      "Bearer writer-s\xc3\xa9"
      "cret",  // non-ASCII
  };
  for (const char* header : bad) {
    auto p = store.AuthenticateHeader(header);
    ASSERT_FALSE(p.ok()) << "accepted '" << header << "'";
    EXPECT_EQ(p.status().code(), ErrorCode::kUnauthenticated) << header;
  }
  // An embedded NUL does not cut the header short.
  EXPECT_FALSE(store.AuthenticateHeader(std::string("Bearer writer-secret\0x", 22)).ok());
}

Principal Who(Role role, std::string team, bool anonymous = false) {
  return Principal{.name = "t", .role = role, .team = std::move(team), .anonymous = anonymous};
}

TEST(RequireRoleTest, EachRoleAgainstEachMinimum) {
  const Role roles[] = {Role::kReader, Role::kWriter, Role::kAdmin};
  for (Role who : roles) {
    for (Role min : roles) {
      Status s = RequireRole(Who(who, "growth"), min, "register feature");
      if (who >= min) {
        EXPECT_OK(s);
      } else {
        EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied);
        EXPECT_NE(s.message().find("register feature"), std::string::npos) << s.message();
        EXPECT_NE(s.message().find(RoleName(min)), std::string::npos) << s.message();
      }
    }
  }
}

TEST(RequireOwnerTest, Matrix) {
  struct Case {
    Principal who;
    std::string owner;
    bool allowed;
  };
  const Case cases[] = {
      {Who(Role::kAdmin, ""), "growth", true},  // admins change anything
      {Who(Role::kAdmin, "risk"), "growth", true},
      {Who(Role::kAdmin, ""), "", true},
      {Who(Role::kAdmin, "", /*anonymous=*/true), "growth", true},  // protected mode
      {Who(Role::kWriter, "growth"), "growth", true},               // own team
      {Who(Role::kWriter, "growth"), "risk", false},                // another team
      {Who(Role::kWriter, "growth"), "Growth", false},              // case matters
      {Who(Role::kWriter, "growth"), "", false},                    // ownerless: admins only
      {Who(Role::kWriter, ""), "", false},              // no team never matches no owner
      {Who(Role::kReader, "growth"), "growth", false},  // readers change nothing
      {Who(Role::kReader, "growth"), "risk", false},
  };
  for (const Case& c : cases) {
    Status s = RequireOwner(c.who, c.owner, "user/clicks");
    if (c.allowed) {
      EXPECT_TRUE(s.ok()) << RoleName(c.who.role) << "/" << c.who.team << " on " << c.owner << ": "
                          << s.message();
    } else {
      EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied)
          << RoleName(c.who.role) << "/" << c.who.team << " on " << c.owner;
      EXPECT_NE(s.message().find("user/clicks"), std::string::npos) << s.message();
    }
  }
}

}  // namespace
}  // namespace asof::server
