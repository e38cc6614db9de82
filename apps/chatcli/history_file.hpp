// SPDX-License-Identifier: BSL-1.0
// chatcli::history_file: readline's history list kept in a file between runs.
//
// Thread safety: none. It works on readline's process-wide history list, so it must be used on
// the thread that runs readline (the line editor's), or while no line editor exists.
#pragma once

#include <filesystem>
#include <string>

namespace chatcli {

/// The file behind readline's history list: read at the start, each new entry appended at once
/// (so a crash or a lost terminal loses nothing typed, and two chatcli running at once each
/// add their own lines instead of the last to exit overwriting the other's), and cut back to the
/// newest `limit` lines when opened and when closed.
class history_file {
public:
  /// Creates missing directories (mode 0700) and the file (mode 0600; an existing file keeps
  /// its mode), reads it into readline's history, bounds that list to `limit` entries
  /// (stifle_history) and cuts the file to its last `limit` lines. Throws std::system_error,
  /// its what() naming the path, if the directories or the file cannot be created or read.
  history_file(std::filesystem::path path, int limit);
  /// Cuts the file to its last `limit` lines (errors are ignored: it is only a bound).
  ~history_file();
  history_file(const history_file&) = delete;
  history_file& operator=(const history_file&) = delete;

  /// Appends readline's newest history entry (the one just added with add_history) to the file.
  /// False if that failed (the entry stays in memory; later entries are still tried).
  bool record_newest() noexcept;

  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
  int limit_;
};

}  // namespace chatcli
