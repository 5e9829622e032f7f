// TableReader: reads the keys of one TOML table (toml++) into typed values,
// remembering which keys it used so that Finish() refuses the others: a typo
// in a configuration file is an error, never a silently kept default. Errors
// are E_INVALIDARG "SOURCE:LINE: KEY must be ...". Shared by the daemons'
// configuration parsers (shadowport-arrayd, shadowportd, the writers).
//
// Thread safety: a reader belongs to one thread; it borrows the table.
#ifndef SHADOWPORT_ARRAY_RPC_TOML_READER_H_
#define SHADOWPORT_ARRAY_RPC_TOML_READER_H_

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "array/rpc/size_text.h"
#include "shadowport/status.h"

namespace sp::array::rpc {

// The TOML document `text` (named `source` in errors), or E_INVALIDARG
// "SOURCE:LINE: what is wrong".
inline Result<toml::table> ParseTomlText(std::string_view text,
                                         std::string_view source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return Status(Code::kInvalidArg, std::string(source) + ":" +
                                         std::to_string(e.source().begin.line) +
                                         ": " + std::string(e.description()));
  }
}

class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix,
              std::string_view source)
      : table_(table), prefix_(std::move(prefix)), source_(source) {}

  Status String(const std::string& key, std::string* out) {
    const toml::node* node = Use(key);
    if (node == nullptr) return Status::Ok();
    std::optional<std::string> value = node->value<std::string>();
    if (!value || !node->is_string()) return Bad(*node, key, "a string");
    *out = std::move(*value);
    return Status::Ok();
  }

  // An array of strings.
  Status Strings(const std::string& key, std::vector<std::string>* out) {
    const toml::node* node = Use(key);
    if (node == nullptr) return Status::Ok();
    const toml::array* array = node->as_array();
    if (array == nullptr) return Bad(*node, key, "an array of strings");
    out->clear();
    for (const toml::node& item : *array) {
      const auto* text = item.as_string();
      if (text == nullptr) return Bad(*node, key, "an array of strings");
      out->push_back(text->get());
    }
    return Status::Ok();
  }

  Status Bool(const std::string& key, bool* out) {
    const toml::node* node = Use(key);
    if (node == nullptr) return Status::Ok();
    const auto* value = node->as_boolean();
    if (value == nullptr) return Bad(*node, key, "true or false");
    *out = value->get();
    return Status::Ok();
  }

  Status Path(const std::string& key, std::string* out) {
    SP_RETURN_IF_ERROR(String(key, out));
    if (!out->empty() && out->front() != '/') {
      return Bad(*table_.get(key), key, "an absolute path");
    }
    return Status::Ok();
  }

  // An integer number of bytes, or a size text ("1G").
  Status Size(const std::string& key, uint64_t* out) {
    const toml::node* node = Use(key);
    if (node == nullptr) return Status::Ok();
    if (const auto* i = node->as_integer()) {
      if (i->get() < 0) return Bad(*node, key, "a size of 0 or more bytes");
      *out = static_cast<uint64_t>(i->get());
      return Status::Ok();
    }
    if (const auto* s = node->as_string()) {
      Result<uint64_t> size = ParseSize(s->get());
      if (!size.ok()) {
        return Bad(*node, key, "a size such as 1073741824 or \"1G\"");
      }
      *out = *size;
      return Status::Ok();
    }
    return Bad(*node, key, "a size such as 1073741824 or \"1G\"");
  }

  Status Integer(const std::string& key, int64_t min, int64_t max,
                 int64_t* out) {
    const toml::node* node = Use(key);
    if (node == nullptr) return Status::Ok();
    const auto* i = node->as_integer();
    if (i == nullptr || i->get() < min || i->get() > max) {
      return Bad(*node, key,
                 "an integer from " + std::to_string(min) + " to " +
                     std::to_string(max));
    }
    *out = i->get();
    return Status::Ok();
  }

  // The sub-table `key`, or nullptr if absent (an error if not a table).
  Result<const toml::table*> Table(const std::string& key) {
    const toml::node* node = Use(key);
    if (node == nullptr) return static_cast<const toml::table*>(nullptr);
    if (!node->is_table()) return Bad(*node, key, "a table");
    return node->as_table();
  }

  Status Finish() const {
    for (const auto& [key, node] : table_) {
      if (used_.count(std::string(key.str())) == 0) {
        return Status(Code::kInvalidArg, Where(node) + "unknown key \"" +
                                             prefix_ + std::string(key.str()) +
                                             "\"");
      }
    }
    return Status::Ok();
  }

 private:
  const toml::node* Use(const std::string& key) {
    used_.insert(key);
    return table_.get(key);
  }

  std::string Where(const toml::node& node) const {
    return std::string(source_) + ":" +
           std::to_string(node.source().begin.line) + ": ";
  }

  Status Bad(const toml::node& node, const std::string& key,
             const std::string& expected) const {
    return Status(Code::kInvalidArg,
                  Where(node) + prefix_ + key + " must be " + expected);
  }

  const toml::table& table_;
  const std::string prefix_;
  const std::string_view source_;
  std::set<std::string> used_;
};

}  // namespace sp::array::rpc

#endif  // SHADOWPORT_ARRAY_RPC_TOML_READER_H_
