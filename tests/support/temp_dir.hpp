// SPDX-License-Identifier: BSL-1.0
// A scratch directory for a test's files, made fresh (mkdtemp, mode 0700) and removed with all
// it holds by the destructor.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace test_support {

class temp_dir {
public:
  temp_dir() {
    const auto pattern = (std::filesystem::temp_directory_path() / "libchat-test-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = buffer.data();
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Writes `contents` to `relative` inside the directory, creating the directories between;
  /// returns its path.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view contents) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary | std::ios::trunc) << contents;
    return file;
  }

private:
  std::filesystem::path path_;
};

}  // namespace test_support
