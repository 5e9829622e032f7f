// Host credentials and the digest the array builds identities from.
//
// A credential is a random 256-bit token (64 lowercase hex digits) from the
// kernel CSPRNG. It is shown once, when the host is added; the catalogue
// keeps only SHA-256 over a domain-separation prefix and the token. With a
// 256-bit random secret a salt or a slow hash adds nothing: nobody can guess
// the token, and the digest cannot be reversed. Comparison is in constant
// time (CRYPTO_memcmp).
//
// Thread safety: free functions without shared state.
#ifndef SHADOWPORT_ARRAY_CREDENTIALS_H_
#define SHADOWPORT_ARRAY_CREDENTIALS_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "shadowport/status.h"

namespace sp::array {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 of `data` through OpenSSL EVP. Fails (E_UNEXPECTED) only if
// OpenSSL does.
Result<Sha256Digest> Sha256(std::string_view data);

// A new credential token: 64 hex digits, 256 random bits.
Result<std::string> NewCredential();

// The digest the catalogue stores for `credential`.
Result<Sha256Digest> HashCredential(std::string_view credential);

// True if `credential` hashes to `stored` (constant time in the digest
// comparison; a stored value of the wrong length never matches).
bool CredentialMatches(std::string_view credential,
                       std::span<const uint8_t> stored);

}  // namespace sp::array

#endif  // SHADOWPORT_ARRAY_CREDENTIALS_H_
