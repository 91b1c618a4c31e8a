// LineEditor: the interactive prompt of the shell, on libedit (its readline interface):
// line editing, a history kept in a file, and tab completion through a callback.
//
// The history file (~/.asof_history by default) is read when the editor starts and
// rewritten after every entered line, so a killed shell loses nothing; it is created
// private to the user (0600) because command lines carry feature values.
//
// Limitations: libedit's state is process-wide, so there is at most one LineEditor at a
// time (a second one is a programmer error). Thread-safety: one thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asof::shell {

class LineEditor {
 public:
  // Candidates that may replace `word` (the word under the cursor), given the text of
  // the line before it.
  using Completer = std::function<std::vector<std::string>(std::string_view line_before_word,
                                                           std::string_view word)>;

  // `history_path` empty: no persistent history.
  LineEditor(std::string history_path, Completer completer);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // Shows `prompt` and reads one line; nullopt at the end of input (Ctrl-D). A
  // non-blank line is added to the history.
  std::optional<std::string> ReadLine(const std::string& prompt);

  // $HOME/.asof_history, or "" when HOME is not set.
  static std::string DefaultHistoryPath();

 private:
  std::string history_path_;
};

}  // namespace asof::shell
