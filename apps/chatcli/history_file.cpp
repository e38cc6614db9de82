// SPDX-License-Identifier: BSL-1.0
#include "history_file.hpp"

#include <cerrno>
#include <cstdio>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

// history.h uses FILE without including <stdio.h>.
#include <readline/history.h>

namespace chatcli {
namespace {

[[noreturn]] void fail(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

// Each missing directory down to `dir` is created 0700 (XDG Base Directory asks that of the base
// directories; chatcli's own holds nobody else's business either).
void make_directories(const std::filesystem::path& dir) {
  if (dir.empty()) return;
  struct stat st{};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) fail(ENOTDIR, "history: " + dir.string());
    return;
  }
  if (errno != ENOENT) fail(errno, "history: " + dir.string());
  if (dir.has_relative_path() && dir.parent_path() != dir) make_directories(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    fail(errno, "history: cannot create " + dir.string());
}

}  // namespace

history_file::history_file(std::filesystem::path path, int limit)
    : path_(std::move(path)), limit_(limit) {
  make_directories(path_.parent_path());
  // Readline's append_history needs the file to exist; made here so its mode is ours.
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) fail(errno, "history: cannot open " + path_.string());
  ::close(fd);
  stifle_history(limit_);
  if (const int error = read_history(path_.c_str()); error != 0)
    fail(error, "history: cannot read " + path_.string());
  history_truncate_file(path_.c_str(), limit_);
}

history_file::~history_file() { history_truncate_file(path_.c_str(), limit_); }

bool history_file::record_newest() noexcept { return append_history(1, path_.c_str()) == 0; }

}  // namespace chatcli
