// XmlWriter: the canonical byte form of our documents. Internal to src/core.
//
// Deterministic by construction: a UTF-8 declaration, two-space indentation,
// attributes in the order written, empty elements as "<X .../>", '&', '<',
// '>', '"' and TAB/LF/CR escaped in attribute values so that a parser gives
// back exactly the same string. Thread safety: one writer per thread.
#ifndef SHADOWPORT_SRC_CORE_XML_WRITE_H_
#define SHADOWPORT_SRC_CORE_XML_WRITE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sp {
class Guid;
}

namespace sp::xml {

class XmlWriter {
 public:
  XmlWriter();

  void Start(std::string_view name);  // opens <name
  void Attr(std::string_view name, std::string_view value);
  void AttrIfNotEmpty(std::string_view name, std::string_view value);
  void Attr(std::string_view name, const Guid& value);
  void AttrYesNo(std::string_view name, bool value);
  void AttrUnsigned(std::string_view name, uint64_t value);
  void End();  // closes the innermost open element

  // REQUIRES: every Start() has its End().
  std::string Finish() &&;

 private:
  void CloseStartTag();

  std::string out_;
  std::vector<std::string> open_;  // names of open elements
  bool start_tag_open_ = false;    // "<name attrs" written, '>' not yet
  bool has_children_ = false;      // innermost element got a child
};

}  // namespace sp::xml

#endif  // SHADOWPORT_SRC_CORE_XML_WRITE_H_
