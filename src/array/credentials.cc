#include "array/credentials.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cerrno>
#include <memory>

#include "shadowport/random.h"

namespace sp::array {
namespace {

// Separates credential digests from any other SHA-256 use of the same token.
constexpr std::string_view kCredentialDomain =
    "shadowport-arrayd credential v1";

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

Result<Sha256Digest> Sha256Parts(std::string_view a, std::string_view b) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return Status(Code::kOutOfMemory, "EVP_MD_CTX_new");
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 ||
      len != out.size()) {
    return Status(Code::kInternal, "OpenSSL SHA-256 failed");
  }
  return out;
}

}  // namespace

Result<Sha256Digest> Sha256(std::string_view data) {
  return Sha256Parts(data, {});
}

Result<std::string> NewCredential() {
  std::array<uint8_t, 32> bytes{};
  SP_RETURN_IF_ERROR(FillRandom(bytes));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  token.reserve(2 * bytes.size());
  for (uint8_t b : bytes) {
    token.push_back(kHex[b >> 4]);
    token.push_back(kHex[b & 0xf]);
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return token;
}

Result<Sha256Digest> HashCredential(std::string_view credential) {
  return Sha256Parts(kCredentialDomain, credential);
}

bool CredentialMatches(std::string_view credential,
                       std::span<const uint8_t> stored) {
  Result<Sha256Digest> digest = HashCredential(credential);
  if (!digest.ok() || stored.size() != digest->size()) return false;
  return CRYPTO_memcmp(digest->data(), stored.data(), stored.size()) == 0;
}

}  // namespace sp::array
