// Reading a BCD or WMD file for the CLI verbs.
//
// The file is treated as hostile input: its size is checked against
// sp::kMaxDocumentBytes before it is read (a sparse 100 GiB file costs
// nothing), and a pipe or other non-regular file is read only up to that
// bound. Errors name the file: a missing or unreadable file is the Status
// of sp::FromErrno, a file over the bound is VSS_E_INVALID_XML_DOCUMENT, and
// loading errors keep the loader's code and line with the path prefixed.
//
// Thread safety: free functions; no shared state.
#ifndef SHADOWPORT_CLI_DOCUMENT_FILE_H_
#define SHADOWPORT_CLI_DOCUMENT_FILE_H_

#include <string>

#include "shadowport/documents.h"
#include "shadowport/status.h"

namespace sp::cli {

// The whole content of `path`, at most kMaxDocumentBytes bytes.
Result<std::string> ReadDocumentFile(const std::string& path);

// Which document a verb accepts.
enum class DocumentKind { kAny, kBcd, kWmd };

// Reads and loads (parses and validates) the document at `path`. With kBcd
// or kWmd the root element must be that document's.
Result<AnyDocument> LoadDocumentFile(const std::string& path,
                                     DocumentKind kind = DocumentKind::kAny);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_DOCUMENT_FILE_H_
