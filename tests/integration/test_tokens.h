// The API tokens the auth tests share: their [[auth.tokens]] blocks for asofd.toml and
// their secrets. Each secret is "<name>-secret"; the hashes are its SHA-256
// (echo -n reader-a-secret | sha256sum).
#pragma once

namespace asof::testing {

// reader-a (reader, team a), writer-a (writer, team a), writer-b (writer, team b),
// admin-x (admin, team x). Append further [[auth.tokens]] blocks after it if needed.
inline constexpr const char* kTestTokensToml = R"(
[auth]
[[auth.tokens]]
name = "reader-a"
sha256 = "bbfd45c67de44cfe478102561aeccce0bc1e4239ae88b54bf404e62dd9e1146b"
role = "reader"
team = "a"
[[auth.tokens]]
name = "writer-a"
sha256 = "b028ce5a66f5f7f732a1943f84dcc61864dc67d46e75d6b8d9b3cd668b1dde9a"
role = "writer"
team = "a"
[[auth.tokens]]
name = "writer-b"
sha256 = "9dbc39fc65d61cd064b57f6c2419c21677bda014d46a5ea348ea105aa3f3b148"
role = "writer"
team = "b"
[[auth.tokens]]
name = "admin-x"
sha256 = "ef29363af902df6280bf38a18d0fa17175cc743a61aef9f53954ab70fe46e2ab"
role = "admin"
team = "x"
)";

inline constexpr const char* kReaderA = "reader-a-secret";
inline constexpr const char* kWriterA = "writer-a-secret";
inline constexpr const char* kWriterB = "writer-b-secret";
inline constexpr const char* kAdminX = "admin-x-secret";

}  // namespace asof::testing
