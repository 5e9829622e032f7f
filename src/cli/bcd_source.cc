#include "bcd_source.h"

#include "array/rpc/files.h"
#include "shadowport/documents.h"
#include "shadowport/metadata_bundle.h"

namespace sp::cli {

bool LooksLikeBundle(std::string_view bytes) {
  const bool gzip = bytes.size() >= 2 &&
                    static_cast<uint8_t>(bytes[0]) == 0x1f &&
                    static_cast<uint8_t>(bytes[1]) == 0x8b;
  const bool tar = bytes.size() > 262 && bytes.substr(257, 5) == "ustar";
  return gzip || tar;
}

Result<BcdSource> ReadBcdSource(const std::string& path) {
  // The bytes stay in the Result (no SP_ASSIGN_OR_RETURN move): GCC 12 at
  // -O2 takes the first bytes of a string moved out of a Result for
  // uninitialized (-Werror=maybe-uninitialized).
  Result<std::string> read = array::rpc::ReadSmallFile(path, kMaxDocumentBytes);
  if (!read.ok()) return std::move(read).status();
  std::string& bytes = *read;
  BcdSource source;
  if (LooksLikeBundle(bytes)) {
    SP_ASSIGN_OR_RETURN(MetadataBundle bundle, ReadMetadataBundle(path));
    source.bcd_xml = std::move(bundle.bcd_xml);
    source.wmd_xmls = std::move(bundle.wmd_xmls);
    source.from_bundle = true;
    return source;
  }
  SP_RETURN_IF_ERROR(LoadBcd(bytes).status().WithContext(path));
  source.bcd_xml = std::move(bytes);
  return source;
}

}  // namespace sp::cli
