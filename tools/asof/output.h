// Output of the shell: aligned text tables for people and a small JSON writer for
// machines (--json prints one JSON document per command, on one line).
//
// Thread-safety: single-owner objects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace asof::shell {

// A table of text cells, printed with columns as wide as their widest cell (in UTF-8 code
// points), separated by two spaces, without trailing blanks. Control characters in a cell
// are shown as escapes (\n, \t, \x01) so that one row stays one line.
//
//   Table t({"NAME", "TYPE"});
//   t.AddRow({"click_rate_7d", "DOUBLE"});
//   out << t.Render();
class Table {
 public:
  // A table with a header row; an empty `headers` makes a header-less table (key: value
  // listings).
  explicit Table(std::vector<std::string> headers = {});

  // Rows may be shorter than the header (missing cells are blank).
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Every line ends with '\n'. A table with a header but no rows prints the header and
  // "(no rows)".
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Code points of well-formed UTF-8 text (bytes of malformed text count one each). Wide
// characters (CJK, emoji) take two terminal cells but count one: columns after them may
// be off by one on a terminal.
size_t DisplayWidth(std::string_view text);

// Builds one JSON document. Commas and nesting are tracked by the writer; keys and
// values are called in document order:
//
//   JsonWriter j;
//   j.BeginObject();
//   j.Key("name"); j.String("click_rate_7d");
//   j.Key("tags"); j.BeginArray(); j.String("a"); j.EndArray();
//   j.EndObject();
//   out << j.str() << '\n';
//
// Strings are escaped per RFC 8259; bytes that are not well-formed UTF-8 become U+FFFD,
// so the document is always valid JSON. Misuse (a value where a key is due) is a
// programmer error and aborts.
class JsonWriter {
 public:
  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  void Key(std::string_view key);
  void String(std::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  // Finite values print in the shortest form that reads back exactly; non-finite ones
  // as the strings "nan", "inf", "-inf" (JSON has no such numbers).
  void Double(double value);
  void Float(float value);
  void Bool(bool value);
  void Null();
  // Key and value in one call, the common case.
  void Field(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }

  // The document; complete once every Begin has its End.
  const std::string& str() const { return out_; }

 private:
  void BeforeValue();
  enum class Frame : uint8_t { kObject, kArray };
  struct Level {
    Frame frame;
    bool first = true;
    bool after_key = false;
  };
  std::vector<Level> stack_;
  std::string out_;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

// Shortest round-trip decimal text of a double / float ("1.5", "1e-07"); whole numbers
// keep a ".0" so that they read as floating point ("2.0").
std::string FormatDouble(double value);
std::string FormatFloat(float value);

}  // namespace asof::shell
