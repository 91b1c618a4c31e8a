// Turning one command line into words and options.
//
// Lexical rules (like a POSIX shell, minus expansions):
// - Words are separated by blanks (space, tab).
// - 'single quotes' keep everything inside literally.
// - "double quotes" keep blanks; inside them \" \\ \n \t are escapes (any other
//   backslash stays as it is).
// - Outside quotes a backslash makes the next character literal (`a\ b` is one word).
// - Quoted and unquoted parts join into one word: name="a b" is the word `name=a b`.
// Options follow the words they belong to in any order: `--key value`, `--key=value`, or
// `--flag`; `--` ends the options (later words are positional even if they start
// with --).
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/status.h"

namespace asof::shell {

struct Token {
  std::string text;
  // Offset in `text` where the first quoted part begins; npos when nothing was quoted.
  // For `f="null"` it is 2: the value part was quoted, so it is the text "null".
  size_t quote_start = std::string::npos;
  bool quoted() const { return quote_start != std::string::npos; }
};

// kInvalidArgument for an unterminated quote or a trailing backslash.
Result<std::vector<Token>> Tokenize(std::string_view line);

struct OptionSpec {
  std::string_view name;        // without the dashes: "entity"
  std::string_view value_name;  // "NAME"; empty for a flag that takes no value
  std::string_view help;
  bool takes_value() const { return !value_name.empty(); }
};

struct ParsedArgs {
  std::vector<Token> positional;
  std::map<std::string, Token, std::less<>> options;  // flags map to an empty token

  bool Has(std::string_view name) const { return options.find(name) != options.end(); }
  // The option's value, or nullopt when it was not given.
  std::optional<std::string> Get(std::string_view name) const;
  // The option's value with its quoting, or nullptr when it was not given.
  const Token* GetToken(std::string_view name) const;
};

// Splits `args` into positional words and the options of `specs`. kInvalidArgument
// naming `command` for an unknown option, a missing value, a value given to a flag, or
// an option given twice.
Result<ParsedArgs> ParseArgs(std::span<const Token> args, std::span<const OptionSpec> specs,
                             std::string_view command);

// "a,b,c" -> {"a","b","c"}. kInvalidArgument (naming `what`) for an empty list or an
// empty element ("a,,b").
Result<std::vector<std::string>> SplitList(std::string_view text, std::string_view what);

// FEATURE=VALUE of a put.
struct Assignment {
  std::string feature;
  std::string value;
  bool value_quoted = false;  // some part of the word was quoted on the command line
};
// kInvalidArgument when there is no '=' or nothing before it.
Result<Assignment> SplitAssignment(const Token& token);

}  // namespace asof::shell
