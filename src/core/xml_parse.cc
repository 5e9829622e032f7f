#include "src/core/xml_parse.h"

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include <mutex>
#include <string>

#include "schemas.h"  // generated: sp::embedded::kBcdXsd, kWmdXsd
#include "shadowport/documents.h"

namespace sp::xml {
namespace {

// Per-parse state reachable from the SAX callbacks through ctxt->_private.
struct ParseState {
  std::string error;  // first error, "line N: ..."
  int depth = 0;
  startElementNsSAX2Func start_element = nullptr;
  endElementNsSAX2Func end_element = nullptr;
};

ParseState* StateOf(void* ctx) {
  return static_cast<ParseState*>(static_cast<xmlParserCtxt*>(ctx)->_private);
}

void Refuse(void* ctx, const std::string& message) {
  auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
  ParseState* state = StateOf(ctx);
  if (state->error.empty()) {
    int line = ctxt->input != nullptr ? ctxt->input->line : 0;
    state->error = "line " + std::to_string(line) + ": " + message;
  }
  xmlStopParser(ctxt);
}

void OnInternalSubset(void* ctx, const xmlChar*, const xmlChar*,
                      const xmlChar*) {
  Refuse(ctx, "a DOCTYPE is not allowed (no DTDs, no entity declarations)");
}

void OnEntityDecl(void* ctx, const xmlChar*, int, const xmlChar*,
                  const xmlChar*, xmlChar*) {
  Refuse(ctx, "entity declarations are not allowed");
}

void OnStartElement(void* ctx, const xmlChar* localname, const xmlChar* prefix,
                    const xmlChar* uri, int nb_namespaces,
                    const xmlChar** namespaces, int nb_attributes,
                    int nb_defaulted, const xmlChar** attributes) {
  ParseState* state = StateOf(ctx);
  if (++state->depth > kMaxDocumentDepth) {
    Refuse(ctx, "elements nest deeper than " +
                    std::to_string(kMaxDocumentDepth) + " levels");
    return;
  }
  state->start_element(ctx, localname, prefix, uri, nb_namespaces, namespaces,
                       nb_attributes, nb_defaulted, attributes);
}

void OnEndElement(void* ctx, const xmlChar* localname, const xmlChar* prefix,
                  const xmlChar* uri) {
  ParseState* state = StateOf(ctx);
  --state->depth;
  state->end_element(ctx, localname, prefix, uri);
}

std::string Trimmed(const char* message) {
  std::string s = message != nullptr ? message : "unknown error";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

void OnParserError(void* ctx, xmlError* error) {
  ParseState* state = StateOf(ctx);
  if (error->level < XML_ERR_ERROR || !state->error.empty()) return;
  state->error =
      "line " + std::to_string(error->line) + ": " + Trimmed(error->message);
}

// Drops "{urn:shadowport:bcd:1}" from validator messages: the namespace is
// implied by the document.
std::string WithoutNamespaces(std::string s) {
  for (std::string_view ns : {kBcdNamespace, kWmdNamespace}) {
    const std::string braced = "{" + std::string(ns) + "}";
    for (size_t at; (at = s.find(braced)) != std::string::npos;) {
      s.erase(at, braced.size());
    }
  }
  return s;
}

void OnValidityError(void* user, xmlError* error) {
  auto* first = static_cast<std::string*>(user);
  if (!first->empty()) return;
  *first = "line " + std::to_string(error->line) + ": " +
           WithoutNamespaces(Trimmed(error->message));
}

struct CompiledSchemas {
  xmlSchema* bcd = nullptr;
  xmlSchema* wmd = nullptr;
};

xmlSchema* Compile(std::string_view xsd) {
  xmlSchemaParserCtxt* pctxt =
      xmlSchemaNewMemParserCtxt(xsd.data(), static_cast<int>(xsd.size()));
  xmlSchema* schema = xmlSchemaParse(pctxt);
  xmlSchemaFreeParserCtxt(pctxt);
  return schema;
}

// The compiled schemas are immutable once built and live for the process:
// compiling them per load would cost more than the load itself.
const CompiledSchemas& Schemas() {
  static std::once_flag once;
  static CompiledSchemas schemas;
  std::call_once(once, [] {
    xmlInitParser();
    schemas.bcd = Compile(embedded::kBcdXsd);
    schemas.wmd = Compile(embedded::kWmdXsd);
  });
  return schemas;
}

}  // namespace

Status InvalidAt(const xmlNode* node, std::string_view message) {
  return Status(Code::kInvalidXmlDocument,
                "line " + std::to_string(xmlGetLineNo(node)) + ": " +
                    std::string(message));
}

Result<DocPtr> ParseUntrusted(std::string_view xml) {
  if (xml.size() > kMaxDocumentBytes) {
    return Status(Code::kInvalidXmlDocument,
                  "document is " + std::to_string(xml.size()) +
                      " bytes, over the " +
                      std::to_string(kMaxDocumentBytes >> 20) + " MiB limit");
  }
  Schemas();  // initializes the library once, thread-safely
  std::unique_ptr<xmlParserCtxt, decltype(&xmlFreeParserCtxt)> ctxt(
      xmlNewParserCtxt(), &xmlFreeParserCtxt);
  if (!ctxt) return Status(Code::kOutOfMemory, "creating the XML parser");
  ParseState state;
  ctxt->_private = &state;
  xmlSAXHandler* sax = ctxt->sax;
  sax->internalSubset = OnInternalSubset;
  sax->externalSubset = OnInternalSubset;
  sax->entityDecl = OnEntityDecl;
  sax->serror = OnParserError;
  state.start_element = sax->startElementNs;
  state.end_element = sax->endElementNs;
  sax->startElementNs = OnStartElement;
  sax->endElementNs = OnEndElement;

  // No NOENT (no entity substitution), no DTDLOAD/DTDATTR/DTDVALID, no
  // XINCLUDE, no HUGE; NONET in case anything still tries. The encoding is
  // forced to UTF-8 whatever the declaration says.
  constexpr int kOptions = XML_PARSE_NONET | XML_PARSE_NOBLANKS;
  DocPtr doc(xmlCtxtReadMemory(ctxt.get(), xml.data(),
                               static_cast<int>(xml.size()), "document.xml",
                               "UTF-8", kOptions));
  if (!state.error.empty()) {
    return Status(Code::kInvalidXmlDocument, state.error);
  }
  if (!doc || !ctxt->wellFormed) {
    return Status(Code::kInvalidXmlDocument, "not a well-formed XML document");
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    return Status(Code::kInvalidXmlDocument, "document has no root element");
  }
  return doc;
}

Status Validate(xmlDoc* doc, Schema schema) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  const std::string_view want_name =
      schema == Schema::kBcd ? "BACKUP_COMPONENTS" : "WRITER_METADATA";
  const std::string_view want_ns =
      schema == Schema::kBcd ? kBcdNamespace : kWmdNamespace;
  const std::string_view name = reinterpret_cast<const char*>(root->name);
  const std::string_view ns =
      root->ns != nullptr && root->ns->href != nullptr
          ? reinterpret_cast<const char*>(root->ns->href)
          : "";
  if (name != want_name || ns != want_ns) {
    return InvalidAt(root, "root element is " + std::string(name) +
                               " in namespace '" + std::string(ns) +
                               "'; expected " + std::string(want_name) +
                               " in namespace '" + std::string(want_ns) + "'");
  }
  const CompiledSchemas& schemas = Schemas();
  xmlSchema* compiled = schema == Schema::kBcd ? schemas.bcd : schemas.wmd;
  if (compiled == nullptr) {
    return Status(Code::kInternal, "the built-in XML schema does not compile");
  }
  std::unique_ptr<xmlSchemaValidCtxt, decltype(&xmlSchemaFreeValidCtxt)> vctxt(
      xmlSchemaNewValidCtxt(compiled), &xmlSchemaFreeValidCtxt);
  if (!vctxt) return Status(Code::kOutOfMemory, "creating the validator");
  std::string first_error;
  xmlSchemaSetValidStructuredErrors(vctxt.get(), OnValidityError, &first_error);
  const int rc = xmlSchemaValidateDoc(vctxt.get(), doc);
  if (rc != 0) {
    if (first_error.empty()) first_error = "does not match the schema";
    return Status(Code::kInvalidXmlDocument, first_error);
  }
  return Status::Ok();
}

}  // namespace sp::xml
