// Authentication and authorization (DESIGN.md section 6).
//
// Tokens are configured in [[auth.tokens]] as SHA-256 hashes with a role and a team. A
// request presents the secret (HTTP `Authorization: Bearer <secret>`, the native
// protocol's HelloRequest.token); its hash is looked up. Roles are ordered:
//   reader  - reads: registry lookups, online and historical reads, health, metrics
//   writer  - + ingest, dead letters, entity types, and registering / changing /
//             deprecating features owned by its own team
//   admin   - everything, for every team
// With no tokens configured asofd runs in protected mode (loopback only, enforced by
// ValidateConfig) and every caller is the anonymous admin.
//
// Thread-safety: TokenStore is immutable after construction; share it freely.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/status.h"
#include "server/config.h"

namespace asof::server {

enum class Role : uint8_t { kReader = 0, kWriter = 1, kAdmin = 2 };
std::string_view RoleName(Role role);                  // "reader", "writer", "admin"
std::optional<Role> ParseRole(std::string_view name);  // inverse; nullopt when unknown

struct Principal {
  std::string name;  // token name, or "anonymous"
  Role role = Role::kReader;
  std::string team;
  double rate_limit_rps = 0;  // 0: unlimited
  double rate_limit_burst = 0;
  bool anonymous = false;
};

// 64 lowercase hex digits of SHA-256(data) (OpenSSL).
std::string Sha256Hex(std::string_view data);

class TokenStore {
 public:
  // `config` has passed ValidateConfig.
  explicit TokenStore(const ServerConfig& config);

  bool enabled() const { return enabled_; }

  // `secret` as presented; nullopt when the request carried none. Without tokens
  // configured: the anonymous admin. Otherwise kUnauthenticated for a missing or unknown
  // secret (the message never says which tokens exist). Compares hashes in constant time.
  Result<Principal> Authenticate(std::optional<std::string_view> secret) const;
  // Same, from an HTTP Authorization header value ("Bearer <secret>"; empty: none).
  // kUnauthenticated also for another scheme or a malformed header.
  Result<Principal> AuthenticateHeader(std::string_view authorization) const;

 private:
  bool enabled_ = false;
  Principal anonymous_;
  std::unordered_map<std::string, Principal> by_hash_;  // sha256 hex -> principal
};

// kPermissionDenied naming the action and the role needed when `who` is below `min`.
Status RequireRole(const Principal& who, Role min, std::string_view action);
// Changing or deprecating a feature: admins may change any; writers only features whose
// owner is their team (for a new feature: the owner they register it with; for an
// existing one: its current owner, so a team cannot take over another's feature by
// re-registering it with itself as owner). kPermissionDenied otherwise.
Status RequireOwner(const Principal& who, std::string_view owner, std::string_view feature);

}  // namespace asof::server
