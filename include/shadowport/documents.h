// Loading and saving the XML forms of the BCD and the WMD.
//
// Documents come from other hosts and must be treated as hostile. Loading
// never touches the network or the filesystem, never expands entities,
// refuses any DTD, bounds size (kMaxDocumentBytes) and nesting depth, and
// validates against the XSD schemas of docs/formats/ (compiled into the
// program). Every failure is VSS_E_INVALID_XML_DOCUMENT with a message that
// names the line and what is wrong. Saving produces one canonical byte form:
// save -> load -> save is byte-identical.
//
// Thread safety: the functions may be called from any thread concurrently.
#ifndef SHADOWPORT_DOCUMENTS_H_
#define SHADOWPORT_DOCUMENTS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "shadowport/bcd.h"
#include "shadowport/status.h"
#include "shadowport/wmd.h"

namespace sp {

inline constexpr size_t kMaxDocumentBytes = 32u << 20;  // 32 MiB
inline constexpr int kMaxDocumentDepth = 32;

// XML namespaces of the two documents (version 1 of each format).
inline constexpr std::string_view kBcdNamespace = "urn:shadowport:bcd:1";
inline constexpr std::string_view kWmdNamespace = "urn:shadowport:wmd:1";

Result<BackupComponentsDocument> LoadBcd(std::string_view xml);
Result<WriterMetadata> LoadWmd(std::string_view xml);

// Fail only when the model breaks a rule the schema states (for example a
// snapshot set without snapshots): the output is validated before it is
// returned, so nothing invalid ever leaves a host.
Result<std::string> SaveBcd(const BackupComponentsDocument& bcd);
Result<std::string> SaveWmd(const WriterMetadata& wmd);

// Either document, chosen by its root element.
using AnyDocument = std::variant<BackupComponentsDocument, WriterMetadata>;
Result<AnyDocument> LoadDocument(std::string_view xml);

}  // namespace sp

#endif  // SHADOWPORT_DOCUMENTS_H_
