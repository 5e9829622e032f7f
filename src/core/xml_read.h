// Reading values out of a validated libxml2 tree. Internal to src/core.
//
// The schema has already checked presence and lexical form; these helpers
// still check everything they convert, so a schema gap cannot become a
// crash, and every failure names the line. Thread safety: stateless.
#ifndef SHADOWPORT_SRC_CORE_XML_READ_H_
#define SHADOWPORT_SRC_CORE_XML_READ_H_

#include <libxml/tree.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadowport/guid.h"
#include "shadowport/status.h"

namespace sp::xml {

// Element children of `parent`, in document order.
std::vector<const xmlNode*> Children(const xmlNode* parent);
std::string_view NameOf(const xmlNode* node);

// The attribute's value; "" when absent.
std::string Attr(const xmlNode* node, const char* name);
bool HasAttr(const xmlNode* node, const char* name);

Result<std::string> RequiredAttr(const xmlNode* node, const char* name);
Result<Guid> GuidAttr(const xmlNode* node, const char* name);
Result<bool> YesNoAttr(const xmlNode* node, const char* name);
// Decimal, or hex with a 0x prefix.
Result<uint64_t> UnsignedAttr(const xmlNode* node, const char* name,
                              uint64_t max);
Result<std::string> Base64Attr(const xmlNode* node, const char* name);
Result<int64_t> TimestampAttr(const xmlNode* node, const char* name);

// Looks `text` up in a table of {enum, text}; the error lists the choices.
template <typename E, size_t N>
Result<E> EnumAttr(const xmlNode* node, const char* name,
                   const std::pair<E, std::string_view> (&table)[N]);

template <typename E, size_t N>
std::string_view EnumText(E value,
                          const std::pair<E, std::string_view> (&table)[N]) {
  for (const auto& [e, text] : table) {
    if (e == value) return text;
  }
  return table[0].second;
}

Status InvalidAttr(const xmlNode* node, const char* name,
                   std::string_view what);

template <typename E, size_t N>
Result<E> EnumAttr(const xmlNode* node, const char* name,
                   const std::pair<E, std::string_view> (&table)[N]) {
  SP_ASSIGN_OR_RETURN(std::string text, RequiredAttr(node, name));
  std::string choices;
  for (const auto& [e, candidate] : table) {
    if (candidate == text) return e;
    choices += choices.empty() ? "" : ", ";
    choices += candidate;
  }
  return InvalidAttr(node, name, "'" + text + "' is not one of " + choices);
}

}  // namespace sp::xml

#endif  // SHADOWPORT_SRC_CORE_XML_READ_H_
