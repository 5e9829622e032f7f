#include "shadowport/guid.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <string>

#include "shadowport/random.h"

namespace sp {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Positions of the dashes in the bare 36-character form.
constexpr bool IsDashPosition(size_t i) {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

}  // namespace

Result<Guid> Guid::Random() {
  std::array<uint8_t, 16> bytes;
  SP_RETURN_IF_ERROR(FillRandom(bytes));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // RFC variant
  return Guid(bytes);
}

Guid Guid::FromName(const Guid& name_space, std::string_view name) {
  std::string input(name_space.bytes().begin(), name_space.bytes().end());
  input.append(name);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha1(),
                 nullptr) != 1 ||
      length < 16) {
    std::abort();  // SHA-1 is built into every libcrypto
  }
  std::array<uint8_t, 16> bytes;
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = digest[i];
  bytes[6] = (bytes[6] & 0x0f) | 0x50;  // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // RFC variant
  return Guid(bytes);
}

Result<Guid> Guid::Parse(std::string_view text) {
  std::string_view bare = text;
  if (bare.size() == 38 && bare.front() == '{' && bare.back() == '}') {
    bare = bare.substr(1, 36);
  }
  auto bad = [&] {
    return Status(
        Code::kInvalidArg,
        "not a GUID (want {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}): '" +
            std::string(text.substr(0, 64)) + "'");
  };
  if (bare.size() != 36) return bad();
  std::array<uint8_t, 16> bytes{};
  size_t out = 0;
  for (size_t i = 0; i < bare.size();) {
    if (IsDashPosition(i)) {
      if (bare[i] != '-') return bad();
      ++i;
      continue;
    }
    int hi = HexValue(bare[i]);
    int lo = HexValue(bare[i + 1]);
    if (hi < 0 || lo < 0 || IsDashPosition(i + 1)) return bad();
    bytes[out++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return Guid(bytes);
}

std::string Guid::ToBareString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < bytes_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes_[i] >> 4]);
    s.push_back(kHex[bytes_[i] & 0xf]);
  }
  return s;
}

std::string Guid::ToString() const { return "{" + ToBareString() + "}"; }

}  // namespace sp
