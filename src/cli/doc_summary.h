// What `shadowport doc show` prints about a BCD or a WMD: a readable text
// summary (writers, components, files, the snapshot set and its LUNs) and the
// same content as JSON.
//
// Text: one block per writer, component and snapshot; every string from the
// document passes through Printable() (doc_names.h). JSON: snake_case keys,
// attributes and flags by name (sp::AttributesToString), contexts by
// sp::ContextName, times as ISO-8601 UTC, ids in braced GUID form, opaque
// writer metadata as base64; keys in a fixed order, "document" ("bcd" or
// "wmd") first.
//
// Thread safety: pure functions.
#ifndef SHADOWPORT_CLI_DOC_SUMMARY_H_
#define SHADOWPORT_CLI_DOC_SUMMARY_H_

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "shadowport/bcd.h"
#include "shadowport/documents.h"
#include "shadowport/wmd.h"

namespace sp::cli {

std::string SummaryText(const BackupComponentsDocument& bcd);
std::string SummaryText(const WriterMetadata& wmd);
std::string SummaryText(const AnyDocument& doc);

nlohmann::ordered_json SummaryJson(const BackupComponentsDocument& bcd);
nlohmann::ordered_json SummaryJson(const WriterMetadata& wmd);
nlohmann::ordered_json SummaryJson(const AnyDocument& doc);

}  // namespace sp::cli

#endif  // SHADOWPORT_CLI_DOC_SUMMARY_H_
