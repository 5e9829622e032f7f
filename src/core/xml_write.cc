#include "src/core/xml_write.h"

#include "shadowport/guid.h"

namespace sp::xml {

XmlWriter::XmlWriter() {
  out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
}

void XmlWriter::CloseStartTag() {
  if (start_tag_open_) {
    out_ += ">\n";
    start_tag_open_ = false;
  }
}

void XmlWriter::Start(std::string_view name) {
  CloseStartTag();
  out_.append(2 * open_.size(), ' ');
  out_ += '<';
  out_ += name;
  open_.emplace_back(name);
  start_tag_open_ = true;
  has_children_ = false;
}

void XmlWriter::Attr(std::string_view name, std::string_view value) {
  out_ += ' ';
  out_ += name;
  out_ += "=\"";
  for (char c : value) {
    switch (c) {
      case '&':
        out_ += "&amp;";
        break;
      case '<':
        out_ += "&lt;";
        break;
      case '>':
        out_ += "&gt;";
        break;
      case '"':
        out_ += "&quot;";
        break;
      case '\t':
        out_ += "&#9;";
        break;
      case '\n':
        out_ += "&#10;";
        break;
      case '\r':
        out_ += "&#13;";
        break;
      default:
        out_ += c;
    }
  }
  out_ += '"';
}

void XmlWriter::AttrIfNotEmpty(std::string_view name, std::string_view value) {
  if (!value.empty()) Attr(name, value);
}

void XmlWriter::Attr(std::string_view name, const Guid& value) {
  Attr(name, value.ToString());
}

void XmlWriter::AttrYesNo(std::string_view name, bool value) {
  Attr(name, value ? "yes" : "no");
}

void XmlWriter::AttrUnsigned(std::string_view name, uint64_t value) {
  Attr(name, std::to_string(value));
}

void XmlWriter::End() {
  if (start_tag_open_) {
    out_ += "/>\n";
    start_tag_open_ = false;
  } else {
    out_.append(2 * (open_.size() - 1), ' ');
    out_ += "</";
    out_ += open_.back();
    out_ += ">\n";
  }
  open_.pop_back();
}

std::string XmlWriter::Finish() && { return std::move(out_); }

}  // namespace sp::xml
