// Parsing untrusted XML into a libxml2 tree, and validating it against one of
// the compiled-in schemas (docs/formats/*.xsd). Internal to src/core.
//
// ParseUntrusted never touches the network or the filesystem, never expands
// entities, refuses any DTD (internal or external subset), bounds the size to
// kMaxDocumentBytes and the nesting depth to kMaxDocumentDepth, and requires
// UTF-8. Every failure is VSS_E_INVALID_XML_DOCUMENT naming the line.
//
// Thread safety: all functions may run concurrently; the compiled schemas are
// immutable after their first use.
#ifndef SHADOWPORT_SRC_CORE_XML_PARSE_H_
#define SHADOWPORT_SRC_CORE_XML_PARSE_H_

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

#include "shadowport/status.h"

namespace sp::xml {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

enum class Schema { kBcd, kWmd };

Result<DocPtr> ParseUntrusted(std::string_view xml);

// Checks the root element's name and namespace, then validates the whole
// document against the schema.
Status Validate(xmlDoc* doc, Schema schema);

// A failure at `node`'s line: VSS_E_INVALID_XML_DOCUMENT "line N: message".
Status InvalidAt(const xmlNode* node, std::string_view message);

}  // namespace sp::xml

#endif  // SHADOWPORT_SRC_CORE_XML_PARSE_H_
