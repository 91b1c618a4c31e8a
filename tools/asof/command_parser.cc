#include "tools/asof/command_parser.h"

namespace asof::shell {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Tokenizer state for one word in progress.
struct Word {
  Token token;
  bool active = false;  // a word has started (possibly an empty quoted one: "")
  void MarkQuoted() {
    active = true;
    if (!token.quoted()) token.quote_start = token.text.size();
  }
};

// Reads a double-quoted part starting after the opening quote; returns the position
// after the closing quote, or npos when it is missing.
size_t ReadDoubleQuoted(std::string_view line, size_t i, std::string* out) {
  for (; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"') return i + 1;
    if (c == '\\' && i + 1 < line.size()) {
      char next = line[i + 1];
      if (next == '"' || next == '\\') {
        *out += next;
        ++i;
        continue;
      }
      if (next == 'n' || next == 't') {
        *out += next == 'n' ? '\n' : '\t';
        ++i;
        continue;
      }
    }
    *out += c;
  }
  return std::string::npos;
}

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view line) {
  std::vector<Token> out;
  Word word;
  auto finish = [&] {
    if (word.active) out.push_back(std::move(word.token));
    word = Word();
  };
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (IsBlank(c)) {
      finish();
      ++i;
    } else if (c == '\'') {
      word.MarkQuoted();
      size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return InvalidArgument("unterminated ' quote starting at column " + std::to_string(i + 1));
      }
      word.token.text.append(line.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '"') {
      word.MarkQuoted();
      size_t next = ReadDoubleQuoted(line, i + 1, &word.token.text);
      if (next == std::string::npos) {
        return InvalidArgument("unterminated \" quote starting at column " + std::to_string(i + 1));
      }
      i = next;
    } else if (c == '\\') {
      if (i + 1 == line.size()) return InvalidArgument("backslash at the end of the line");
      word.active = true;
      word.token.text += line[i + 1];
      i += 2;
    } else {
      word.active = true;
      word.token.text += c;
      ++i;
    }
  }
  finish();
  return out;
}

std::optional<std::string> ParsedArgs::Get(std::string_view name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second.text;
}

const Token* ParsedArgs::GetToken(std::string_view name) const {
  auto it = options.find(name);
  return it == options.end() ? nullptr : &it->second;
}

Result<ParsedArgs> ParseArgs(std::span<const Token> args, std::span<const OptionSpec> specs,
                             std::string_view command) {
  ParsedArgs out;
  const std::string see = " (see 'help " + std::string(command) + "')";
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const Token& t = args[i];
    // A quoted word is never an option: --tags "--x" would otherwise be ambiguous.
    if (options_done || !t.text.starts_with("--") || t.quote_start == 0) {
      out.positional.push_back(t);
      continue;
    }
    if (t.text == "--") {
      options_done = true;
      continue;
    }
    std::string_view body = std::string_view(t.text).substr(2);
    std::string_view name = body.substr(0, body.find('='));
    std::optional<Token> inline_value;
    if (name.size() < body.size()) {
      size_t offset = 2 + name.size() + 1;  // where the value starts in t.text
      inline_value =
          Token{t.text.substr(offset),
                t.quoted() && t.quote_start >= offset ? t.quote_start - offset : std::string::npos};
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      return InvalidArgument("unknown option --" + std::string(name) + " for '" +
                             std::string(command) + "'" + see);
    }
    if (out.Has(name)) return InvalidArgument("option --" + std::string(name) + " given twice");
    Token value;
    if (spec->takes_value()) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return InvalidArgument("option --" + std::string(name) + " needs a value (" +
                               std::string(spec->value_name) + ")" + see);
      }
    } else if (inline_value) {
      return InvalidArgument("option --" + std::string(name) + " takes no value" + see);
    }
    out.options.emplace(std::string(name), std::move(value));
  }
  return out;
}

Result<std::vector<std::string>> SplitList(std::string_view text, std::string_view what) {
  std::vector<std::string> out;
  if (text.empty()) return InvalidArgument("empty list of " + std::string(what));
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (item.empty()) {
      return InvalidArgument("empty element in the list of " + std::string(what) + " '" +
                             std::string(text) + "'");
    }
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<Assignment> SplitAssignment(const Token& token) {
  size_t eq = token.text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return InvalidArgument("expected FEATURE=VALUE, got '" + token.text + "'");
  }
  Assignment a;
  a.feature = token.text.substr(0, eq);
  a.value = token.text.substr(eq + 1);
  a.value_quoted = token.quoted();
  return a;
}

}  // namespace asof::shell
