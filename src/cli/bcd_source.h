// Reading systemOne's BCD on systemTwo: from a BCD file (XML) or from a
// metadata bundle (`shadowport create --metadata`, docs/formats/bundle.md),
// told apart by their first bytes.
//
// Thread safety: pure functions over files.
#ifndef SHADOWPORT_CLI_BCD_SOURCE_H_
#define SHADOWPORT_CLI_BCD_SOURCE_H_

#include <string>
#include <string_view>
#include <vector>

#include "shadowport/status.h"

namespace sp::cli {

struct BcdSource {
  std::string bcd_xml;
  std::vector<std::string> wmd_xmls;  // a bundle's WMDs; empty for a BCD
  bool from_bundle = false;
};

// VSS_E_INVALID_XML_DOCUMENT for a BCD that does not load, the bundle
// reader's codes for a bad bundle.
Result<BcdSource> ReadBcdSource(const std::string& path);

// Whether a file's first bytes are those of a metadata bundle (gzip, or a
// plain ustar archive) rather than an XML document.
bool LooksLikeBundle(std::string_view bytes);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_BCD_SOURCE_H_
