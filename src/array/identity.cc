#include "array/identity.h"

#include <cstdio>

#include "array/credentials.h"

namespace sp::array {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr std::string_view kFilePrefix = "lun-";
constexpr std::string_view kFileSuffix = ".img";

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

std::string Hex(const Sha256Digest& d, size_t digits, const char* alphabet) {
  std::string out;
  for (size_t i = 0; i < digits; ++i) {
    uint8_t b = d[i / 2];
    out.push_back(alphabet[i % 2 == 0 ? b >> 4 : b & 0xf]);
  }
  return out;
}

}  // namespace

Result<LunIdentity> DeriveIdentity(const Guid& array_id, uint64_t lun_id) {
  SP_ASSIGN_OR_RETURN(Sha256Digest digest, Sha256(array_id.ToString()));
  LunIdentity id;
  char buf[32];
  std::snprintf(buf, sizeof buf, "lun-%06llu",
                static_cast<unsigned long long>(lun_id));
  id.name = buf;
  std::snprintf(buf, sizeof buf, "%010llu",
                static_cast<unsigned long long>(lun_id));
  id.serial = "SP" + Hex(digest, 8, kHexUpper) + buf;
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(lun_id));
  id.naa = "naa.6" + Hex(digest, 15, kHexLower) + buf;
  return id;
}

std::string LunFileName(uint64_t lun_id) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "lun-%06llu.img",
                static_cast<unsigned long long>(lun_id));
  return buf;
}

std::optional<uint64_t> ParseLunFileName(std::string_view file_name) {
  if (!file_name.starts_with(kFilePrefix) ||
      !file_name.ends_with(kFileSuffix)) {
    return std::nullopt;
  }
  std::string_view digits = file_name.substr(
      kFilePrefix.size(),
      file_name.size() - kFilePrefix.size() - kFileSuffix.size());
  if (digits.size() < 6 || digits.size() > 19) return std::nullopt;
  uint64_t id = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + static_cast<uint64_t>(c - '0');
  }
  // Only the canonical spelling: "lun-0000007.img" is not LUN 7's file.
  if (id == 0 || LunFileName(id) != file_name) return std::nullopt;
  return id;
}

bool IsWellFormedNaa(std::string_view naa) {
  if (naa.size() != 5 + 31 || CanonicalNaa(naa.substr(0, 5)) != "naa.6") {
    return false;
  }
  for (char c : naa.substr(5)) {
    if (!IsHex(c)) return false;
  }
  return true;
}

std::string CanonicalNaa(std::string_view naa) {
  std::string out(naa);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace sp::array
