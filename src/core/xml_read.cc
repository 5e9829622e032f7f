#include "src/core/xml_read.h"

#include <charconv>

#include "shadowport/encoding.h"
#include "src/core/xml_parse.h"

namespace sp::xml {

std::vector<const xmlNode*> Children(const xmlNode* parent) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* n = parent->children; n != nullptr; n = n->next) {
    if (n->type == XML_ELEMENT_NODE) out.push_back(n);
  }
  return out;
}

std::string_view NameOf(const xmlNode* node) {
  return reinterpret_cast<const char*>(node->name);
}

bool HasAttr(const xmlNode* node, const char* name) {
  return xmlHasNsProp(node, reinterpret_cast<const xmlChar*>(name), nullptr) !=
         nullptr;
}

std::string Attr(const xmlNode* node, const char* name) {
  const xmlAttr* attr =
      xmlHasNsProp(node, reinterpret_cast<const xmlChar*>(name), nullptr);
  if (attr == nullptr) return "";
  std::string value;
  // Without a DTD an attribute value is text nodes only (character and
  // predefined entity references are already substituted).
  for (const xmlNode* t = attr->children; t != nullptr; t = t->next) {
    if (t->content != nullptr) {
      value += reinterpret_cast<const char*>(t->content);
    }
  }
  return value;
}

Status InvalidAttr(const xmlNode* node, const char* name,
                   std::string_view what) {
  return InvalidAt(
      node, std::string(NameOf(node)) + "/@" + name + ": " + std::string(what));
}

Result<std::string> RequiredAttr(const xmlNode* node, const char* name) {
  if (!HasAttr(node, name)) {
    return InvalidAttr(node, name, "required attribute is missing");
  }
  return Attr(node, name);
}

Result<Guid> GuidAttr(const xmlNode* node, const char* name) {
  SP_ASSIGN_OR_RETURN(std::string text, RequiredAttr(node, name));
  Result<Guid> guid = Guid::Parse(text);
  if (!guid.ok()) return InvalidAttr(node, name, guid.status().message());
  return guid;
}

Result<bool> YesNoAttr(const xmlNode* node, const char* name) {
  SP_ASSIGN_OR_RETURN(std::string text, RequiredAttr(node, name));
  if (text == "yes") return true;
  if (text == "no") return false;
  return InvalidAttr(node, name, "'" + text + "' is not yes or no");
}

Result<uint64_t> UnsignedAttr(const xmlNode* node, const char* name,
                              uint64_t max) {
  SP_ASSIGN_OR_RETURN(std::string text, RequiredAttr(node, name));
  std::string_view digits = text;
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' &&
      (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
    base = 16;
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(),
                                   value, base);
  if (ec != std::errc() || end != digits.data() + digits.size() ||
      digits.empty() || value > max) {
    return InvalidAttr(
        node, name,
        "'" + text + "' is not a number in 0.." + std::to_string(max));
  }
  return value;
}

Result<std::string> Base64Attr(const xmlNode* node, const char* name) {
  SP_ASSIGN_OR_RETURN(std::string text, RequiredAttr(node, name));
  std::optional<std::string> bytes = Base64Decode(text);
  if (!bytes) return InvalidAttr(node, name, "not valid base64");
  return *std::move(bytes);
}

Result<int64_t> TimestampAttr(const xmlNode* node, const char* name) {
  SP_ASSIGN_OR_RETURN(std::string text, RequiredAttr(node, name));
  std::optional<int64_t> micros = ParseUtcTimestamp(text);
  if (!micros) {
    return InvalidAttr(node, name,
                       "'" + text +
                           "' is not a UTC time like "
                           "2026-11-25T00:03:45.123456Z");
  }
  return *micros;
}

}  // namespace sp::xml
