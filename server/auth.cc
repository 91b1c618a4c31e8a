#include "server/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace asof::server {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// One message for every authentication failure, so a caller learns nothing about which
// tokens exist or why a header did not parse beyond what it sent.
Status Unauthenticated(std::string why) {
  return Status(ErrorCode::kUnauthenticated, std::move(why));
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kReader:
      return "reader";
    case Role::kWriter:
      return "writer";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kReader, Role::kWriter, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // EVP_Digest only fails on allocation failure or a broken OpenSSL install; neither can
  // be answered sensibly here, so it is a programmer-visible abort rather than a status.
  ASOF_CHECK(EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) ==
             1)
      << "SHA-256 failed";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

TokenStore::TokenStore(const ServerConfig& config) : enabled_(!config.tokens.empty()) {
  const double burst = config.rate_limit_burst;
  // Protected mode: the anonymous caller still obeys [auth]'s rates when some are set, so
  // a configured limit is never silently ignored.
  anonymous_ = Principal{.name = "anonymous",
                         .role = Role::kAdmin,
                         .team = "",
                         .rate_limit_rps = config.rate_limit_rps,
                         .rate_limit_burst = burst,
                         .anonymous = true};
  for (const TokenConfig& t : config.tokens) {
    std::optional<Role> role = ParseRole(t.role);
    ASOF_CHECK(role.has_value()) << "token role not validated: " << t.role;
    Principal p{.name = t.name,
                .role = *role,
                .team = t.team,
                .rate_limit_rps = t.rate_limit_rps < 0 ? config.rate_limit_rps : t.rate_limit_rps,
                .rate_limit_burst = burst,
                .anonymous = false};
    by_hash_.emplace(t.sha256, std::move(p));
  }
}

Result<Principal> TokenStore::Authenticate(std::optional<std::string_view> secret) const {
  if (!enabled_) return anonymous_;
  if (!secret.has_value() || secret->empty()) {
    return Unauthenticated("authentication required: present an API token");
  }
  const std::string presented = Sha256Hex(*secret);
  // Every stored hash is compared, in constant time and without stopping at a match, so
  // the time taken says nothing about how close a guess came to any configured hash.
  const Principal* match = nullptr;
  for (const auto& [hash, principal] : by_hash_) {
    if (hash.size() == presented.size() &&
        CRYPTO_memcmp(hash.data(), presented.data(), presented.size()) == 0)
      match = &principal;
  }
  if (match == nullptr) return Unauthenticated("invalid API token");
  return *match;
}

Result<Principal> TokenStore::AuthenticateHeader(std::string_view authorization) const {
  if (!enabled_) return anonymous_;
  if (authorization.empty()) return Authenticate(std::nullopt);
  // RFC 9110: auth-scheme is case-insensitive; "Bearer" SP token68. Exactly one space and
  // one token: anything else is malformed rather than guessed at.
  const size_t space = authorization.find(' ');
  if (space == std::string_view::npos) {
    return Unauthenticated("malformed Authorization header: expected \"Bearer <token>\"");
  }
  if (!EqualsIgnoreCase(authorization.substr(0, space), "Bearer")) {
    return Unauthenticated("unsupported Authorization scheme: expected \"Bearer <token>\"");
  }
  std::string_view secret = authorization.substr(space + 1);
  const bool malformed = secret.empty() || std::any_of(secret.begin(), secret.end(), [](char c) {
                           auto u = static_cast<unsigned char>(c);
                           return u <= 0x20 || u >= 0x7f;
                         });
  if (malformed) {
    return Unauthenticated("malformed Authorization header: expected \"Bearer <token>\"");
  }
  return Authenticate(secret);
}

Status RequireRole(const Principal& who, Role min, std::string_view action) {
  if (who.role >= min) return Status::Ok();
  return Status(ErrorCode::kPermissionDenied,
                std::string(action) + " needs the " + std::string(RoleName(min)) +
                    " role; token '" + who.name + "' is " + std::string(RoleName(who.role)));
}

Status RequireOwner(const Principal& who, std::string_view owner, std::string_view feature) {
  if (who.role == Role::kAdmin) return Status::Ok();
  RETURN_IF_ERROR(
      RequireRole(who, Role::kWriter, "changing feature '" + std::string(feature) + "'"));
  // A writer without a team owns nothing: an empty owner must not match an empty team.
  if (!who.team.empty() && owner == who.team) return Status::Ok();
  return Status(ErrorCode::kPermissionDenied,
                "feature '" + std::string(feature) + "' is owned by team '" + std::string(owner) +
                    "'; token '" + who.name + "' of team '" + who.team +
                    "' may only change its own team's features");
}

}  // namespace asof::server
