// TempDir: a fresh directory under $TMPDIR (or /tmp) for one test, removed
// with everything in it when the test ends, also when it fails.
#ifndef SHADOWPORT_TESTS_UNIT_WRITERS_SQLITE_HOOKS_TEST_UTIL_H_
#define SHADOWPORT_TESTS_UNIT_WRITERS_SQLITE_HOOKS_TEST_UTIL_H_

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace sp::testing_support {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base ? base : "/tmp") +
        "/sp-writer-test.XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `text` to path()/name with `mode`; returns the full path.
  std::string Write(const std::string& name, const std::string& text,
                    mode_t mode = 0644) const {
    const std::string file = path_ + "/" + name;
    {
      std::ofstream out(file, std::ios::trunc);
      out << text;
    }
    ::chmod(file.c_str(), mode);
    return file;
  }

 private:
  std::string path_;
};

}  // namespace sp::testing_support

#endif  // SHADOWPORT_TESTS_UNIT_WRITERS_SQLITE_HOOKS_TEST_UTIL_H_
