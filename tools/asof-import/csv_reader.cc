#include <string>

#include "tools/asof-import/record_parsers.h"

namespace asof::import {

namespace {

Status Malformed(const LineReader& in, uint64_t line, const std::string& what) {
  return InvalidArgument(in.source().name() + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

Result<bool> ReadCsvRecord(LineReader& in, char delimiter, InputRecord* out) {
  std::string& text = out->text;
  do {
    ASSIGN_OR_RETURN(bool got, in.ReadLine(&text));
    if (!got) return false;
  } while (text.empty() || text == "\r");
  out->line = in.line_number();
  out->fields.clear();
  out->kinds.clear();

  std::string field;
  std::string more;
  size_t i = 0;
  while (true) {
    field.clear();
    if (i < text.size() && text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) {  // a newline inside quotes: the record goes on
          ASSIGN_OR_RETURN(bool got, in.ReadLine(&more));
          if (!got) return Malformed(in, out->line, "unterminated quoted field");
          if (text.size() + more.size() > LineReader::kMaxLineBytes) {
            return Internal(in.source().name() + ":" + std::to_string(out->line) +
                            ": record longer than the line limit (an unbalanced quote?)");
          }
          text += '\n';
          text += more;
          field += '\n';
          ++i;  // past the '\n' just appended
          continue;
        }
        char c = text[i];
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += c;
        ++i;
      }
      out->fields.emplace_back(field);
      if (i == text.size() || (text[i] == '\r' && i + 1 == text.size())) break;
      if (text[i] != delimiter) {
        return Malformed(in, out->line,
                         "unexpected character after a closing quote in field " +
                             std::to_string(out->fields.size()));
      }
      ++i;
      continue;
    }
    size_t j = text.find(delimiter, i);
    if (j == std::string::npos) {
      size_t end = text.size();
      if (end > i && text[end - 1] == '\r') --end;
      out->fields.emplace_back(text.substr(i, end - i));
      break;
    }
    out->fields.emplace_back(text.substr(i, j - i));
    i = j + 1;
  }
  if (!text.empty() && text.back() == '\r') text.pop_back();
  return true;
}

}  // namespace asof::import
