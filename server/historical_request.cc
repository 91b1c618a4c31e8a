#include "server/historical_request.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <unordered_set>

#include "server/api_json.h"

namespace asof::server {

namespace {

namespace json = boost::json;

constexpr std::string_view kRowsMember = "entity_ids_with_timestamps";

enum class Member : uint8_t {
  kEntity,
  kRows,
  kFeatures,
  kMode,
  kIncludeStatus,
  kDatasetId,
  kRecordBaseline
};
constexpr std::string_view kMemberNames[] = {
    "entity", kRowsMember, "features", "mode", "include_status", "dataset_id", "record_baseline"};
constexpr std::string_view kMemberTypes[] = {
    "a string", "an array of objects", "an array of strings", "a string", "a boolean", "a string",
    "a boolean"};
// Members that may be left out.
constexpr bool kMemberOptional[] = {false, false, false, true, true, true, true};
constexpr size_t kNumMembers = std::size(kMemberNames);

enum class RowMember : uint8_t { kEntityId, kTimestamp };
constexpr std::string_view kRowMemberNames[] = {"entity_id", "timestamp"};
constexpr std::string_view kRowMemberTypes[] = {
    "a string", "an RFC 3339 string or an integer of epoch microseconds"};

// The rule of DriftMonitor for baseline ids, checked here so a bad one is refused before
// the join starts.
bool IsBaselineId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// The SAX handler: a small state machine over the one shape this body may have. It stops
// at the first problem, so the parser never has to skip an unwanted subtree.
class Handler {
 public:
  static constexpr size_t max_array_size = static_cast<size_t>(-1);
  static constexpr size_t max_object_size = static_cast<size_t>(-1);
  static constexpr size_t max_string_size = static_cast<size_t>(-1);
  static constexpr size_t max_key_size = 4096;

  Handler(size_t max_rows, size_t expected_rows) : max_rows_(max_rows) {
    out_.rows.reserve(std::min(max_rows, expected_rows));
  }

  const Status& status() const { return status_; }
  HistoricalRequest Take() { return std::move(out_); }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code& ec) {
    for (size_t m = 0; m < kNumMembers; ++m) {
      if (!seen_[m] && !kMemberOptional[m]) {
        return Fail(InvalidArgument("missing member '" + std::string(kMemberNames[m]) + "'"), ec);
      }
    }
    if (!out_.record_baseline && !out_.dataset_id.empty()) {
      return Fail(InvalidArgument("dataset_id names a baseline, but record_baseline is false"), ec);
    }
    return true;
  }

  bool on_object_begin(json::error_code& ec) {
    if (state_ == State::kStart) {
      state_ = State::kRootKey;
      return true;
    }
    if (state_ == State::kRows) {
      if (out_.rows.size() >= max_rows_) {
        return Fail(
            PayloadTooLarge("rows in one historical read: more than " + std::to_string(max_rows_) +
                            " (limits.max_rows_per_asof_request)"),
            ec);
      }
      out_.rows.emplace_back();
      row_seen_[0] = row_seen_[1] = false;
      state_ = State::kRowKey;
      return true;
    }
    return WrongType("an object", ec);
  }
  bool on_object_end(size_t, json::error_code& ec) {
    if (state_ == State::kRootKey) {
      state_ = State::kEnd;
      return true;
    }
    // Only a row can end here: any other object was refused at its beginning.
    for (size_t m = 0; m < std::size(kRowMemberNames); ++m) {
      if (!row_seen_[m]) {
        return Fail(InvalidArgument(RowPath() + ": missing member '" +
                                    std::string(kRowMemberNames[m]) + "'"),
                    ec);
      }
    }
    state_ = State::kRows;
    return true;
  }

  bool on_array_begin(json::error_code& ec) {
    if (state_ == State::kRootValue && member_ == Member::kRows) {
      state_ = State::kRows;
      return true;
    }
    if (state_ == State::kRootValue && member_ == Member::kFeatures) {
      state_ = State::kFeatures;
      return true;
    }
    return WrongType("an array", ec);
  }
  bool on_array_end(size_t n, json::error_code& ec) {
    // Only the rows or the features can end here (other arrays were refused).
    const Member member = state_ == State::kRows ? Member::kRows : Member::kFeatures;
    if (n == 0) return Fail(InvalidArgument(std::string(Name(member)) + " is empty"), ec);
    state_ = State::kRootKey;
    return true;
  }

  bool on_key_part(json::string_view s, size_t, json::error_code&) {
    text_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, size_t, json::error_code& ec) {
    std::string_view key = Complete(s);
    bool ok = state_ == State::kRootKey ? RootKey(key, ec) : RowKey(key, ec);
    text_.clear();
    return ok;
  }

  bool on_string_part(json::string_view s, size_t, json::error_code&) {
    text_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, size_t, json::error_code& ec) {
    std::string_view text = Complete(s);
    bool ok = String(text, ec);
    text_.clear();
    return ok;
  }

  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t i, json::string_view, json::error_code& ec) {
    if (!IsRowTimestamp()) return WrongType("a number", ec);
    if (i < 0 || i > kMaxEventTs) return OutOfRange(std::to_string(i), ec);
    out_.rows.back().ts = i;
    state_ = State::kRowKey;
    return true;
  }
  bool on_uint64(uint64_t u, json::string_view, json::error_code& ec) {
    if (!IsRowTimestamp()) return WrongType("a number", ec);
    return OutOfRange(std::to_string(u), ec);  // anything past int64 is past kMaxEventTs
  }
  bool on_double(double, json::string_view, json::error_code& ec) {
    if (!IsRowTimestamp()) return WrongType("a number", ec);
    return Fail(Unprocessable(RowPath() + ".timestamp: a number with a fraction or exponent; "
                                          "expected integer microseconds since the epoch"),
                ec);
  }

  bool on_bool(bool b, json::error_code& ec) {
    if (state_ != State::kRootValue ||
        (member_ != Member::kIncludeStatus && member_ != Member::kRecordBaseline)) {
      return WrongType("a boolean", ec);
    }
    (member_ == Member::kIncludeStatus ? out_.include_status : out_.record_baseline) = b;
    state_ = State::kRootKey;
    return true;
  }
  bool on_null(json::error_code& ec) { return WrongType("null", ec); }

  // Comments are refused by the default parse options; these are never called.
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  enum class State : uint8_t {
    kStart,      // before the body's object
    kRootKey,    // in the body's object, before a key
    kRootValue,  // after a key of the body's object (member_)
    kFeatures,   // in the features array
    kRows,       // in the rows array, between rows
    kRowKey,     // in a row, before a key
    kRowValue,   // after a key of a row (row_member_)
    kEnd,
  };

  static std::string_view Name(Member m) { return kMemberNames[static_cast<size_t>(m)]; }

  bool Fail(Status s, json::error_code& ec) {
    if (status_.ok()) status_ = std::move(s);
    ec = json::error::syntax;  // any failure: status_ says what went wrong
    return false;
  }

  // A part-delivered string or key joined with its last part.
  std::string_view Complete(json::string_view last) {
    if (text_.empty()) return std::string_view(last.data(), last.size());
    text_.append(last.data(), last.size());
    return text_;
  }

  std::string RowPath() const {
    return std::string(kRowsMember) + "[" + std::to_string(out_.rows.size() - 1) + "]";
  }

  // Where the value that just arrived sits, and what belonged there.
  bool WrongType(std::string_view got, json::error_code& ec) {
    std::string path;
    std::string_view expected;
    switch (state_) {
      case State::kStart:
        path = "body";
        expected = "a JSON object";
        break;
      case State::kRootValue:
        path = Name(member_);
        expected = kMemberTypes[static_cast<size_t>(member_)];
        break;
      case State::kFeatures:
        path = "features[" + std::to_string(out_.features.size()) + "]";
        expected = "a string";
        break;
      case State::kRows:
        path = std::string(kRowsMember) + "[" + std::to_string(out_.rows.size()) + "]";
        expected = "an object";
        break;
      case State::kRowValue:
        path = RowPath() + "." + std::string(kRowMemberNames[static_cast<size_t>(row_member_)]);
        expected = kRowMemberTypes[static_cast<size_t>(row_member_)];
        break;
      default:  // keys are strings by JSON's grammar; nothing else reaches these states
        path = "body";
        expected = "a key";
        break;
    }
    return Fail(
        InvalidArgument(path + ": expected " + std::string(expected) + ", got " + std::string(got)),
        ec);
  }

  bool OutOfRange(const std::string& text, json::error_code& ec) {
    return Fail(Unprocessable(RowPath() + ".timestamp: " + text +
                              " is out of range (microseconds since 1970, up to year 9999)"),
                ec);
  }

  bool IsRowTimestamp() const {
    return state_ == State::kRowValue && row_member_ == RowMember::kTimestamp;
  }

  bool RootKey(std::string_view key, json::error_code& ec) {
    auto it = std::find(std::begin(kMemberNames), std::end(kMemberNames), key);
    if (it == std::end(kMemberNames)) {
      return Fail(InvalidArgument("unknown member '" + std::string(key) +
                                  "' (expected entity, entity_ids_with_timestamps, features, "
                                  "mode, include_status, dataset_id, record_baseline)"),
                  ec);
    }
    const size_t m = static_cast<size_t>(it - std::begin(kMemberNames));
    if (seen_[m]) return Fail(InvalidArgument("member '" + std::string(key) + "' repeated"), ec);
    seen_[m] = true;
    member_ = static_cast<Member>(m);
    state_ = State::kRootValue;
    return true;
  }

  bool RowKey(std::string_view key, json::error_code& ec) {
    auto it = std::find(std::begin(kRowMemberNames), std::end(kRowMemberNames), key);
    if (it == std::end(kRowMemberNames)) {
      return Fail(InvalidArgument(RowPath() + ": unknown member '" + std::string(key) +
                                  "' (expected entity_id, timestamp)"),
                  ec);
    }
    const size_t m = static_cast<size_t>(it - std::begin(kRowMemberNames));
    if (row_seen_[m]) {
      return Fail(InvalidArgument(RowPath() + ": member '" + std::string(key) + "' repeated"), ec);
    }
    row_seen_[m] = true;
    row_member_ = static_cast<RowMember>(m);
    state_ = State::kRowValue;
    return true;
  }

  bool String(std::string_view text, json::error_code& ec) {
    if (state_ == State::kFeatures) return Feature(text, ec);
    if (state_ == State::kRowValue) return RowString(text, ec);
    if (state_ != State::kRootValue) return WrongType("a string", ec);
    switch (member_) {
      case Member::kEntity:
        if (text.empty()) return Fail(InvalidArgument("entity is empty"), ec);
        out_.entity = text;
        break;
      case Member::kMode:
        if (text == "event_time") {
          out_.mode = AsOfMode::kEventTime;
        } else if (text == "replay") {
          out_.mode = AsOfMode::kReplay;
        } else {
          return Fail(Unprocessable("mode: unknown mode '" + std::string(text) +
                                    "' (expected event_time or replay)"),
                      ec);
        }
        break;
      case Member::kDatasetId:
        if (!IsBaselineId(text)) {
          return Fail(InvalidArgument("dataset_id: '" + std::string(text.substr(0, 80)) +
                                      "' is not 1-64 characters of [A-Za-z0-9_.-]"),
                      ec);
        }
        out_.dataset_id = text;
        break;
      default:
        return WrongType("a string", ec);
    }
    state_ = State::kRootKey;
    return true;
  }

  bool Feature(std::string_view name, json::error_code& ec) {
    const std::string path = "features[" + std::to_string(out_.features.size()) + "]";
    if (name.empty()) return Fail(InvalidArgument(path + " is empty"), ec);
    if (!feature_set_.emplace(name).second) {
      return Fail(InvalidArgument(path + ": '" + std::string(name) + "' is listed twice"), ec);
    }
    out_.features.emplace_back(name);
    return true;
  }

  bool RowString(std::string_view text, json::error_code& ec) {
    AsOfRow& row = out_.rows.back();
    if (row_member_ == RowMember::kEntityId) {
      if (text.empty()) return Fail(InvalidArgument(RowPath() + ".entity_id is empty"), ec);
      if (text.size() > kMaxEntityIdBytes) {
        return Fail(InvalidArgument(RowPath() + ".entity_id is " + std::to_string(text.size()) +
                                    " bytes; the limit is " + std::to_string(kMaxEntityIdBytes)),
                    ec);
      }
      row.entity_id = text;
    } else {
      Result<int64_t> ts = ParseTimestamp(text);
      if (!ts.ok()) {
        return Fail(Unprocessable(RowPath() + ".timestamp: " + ts.status().message()), ec);
      }
      if (*ts < 0 || *ts > kMaxEventTs) return OutOfRange("'" + std::string(text) + "'", ec);
      row.ts = *ts;
    }
    state_ = State::kRowKey;
    return true;
  }

  const size_t max_rows_;
  HistoricalRequest out_;
  Status status_;
  State state_ = State::kStart;
  Member member_ = Member::kEntity;
  RowMember row_member_ = RowMember::kEntityId;
  bool seen_[kNumMembers] = {};
  bool row_seen_[2] = {};
  std::unordered_set<std::string> feature_set_;
  std::string text_;  // a string or key delivered in parts
};

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Result<HistoricalRequest> ParseHistoricalRequest(std::string_view body, size_t max_rows) {
  // Every row is an object, so this bounds the row count from above (the body's own
  // braces and any '{' inside strings only overestimate): the vector is allocated once.
  const size_t braces = static_cast<size_t>(std::count(body.begin(), body.end(), '{'));
  json::basic_parser<Handler> parser(json::parse_options{}, max_rows, braces);
  json::error_code ec;
  const size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (!parser.handler().status().ok()) return parser.handler().status();
  if (ec) {
    return InvalidArgument("body is not valid JSON: " + ec.message() + " (at byte " +
                           std::to_string(used) + ")");
  }
  if (!std::all_of(body.begin() + static_cast<ptrdiff_t>(used), body.end(), IsJsonSpace)) {
    return InvalidArgument("body is not valid JSON: data after the object (at byte " +
                           std::to_string(used) + ")");
  }
  return parser.handler().Take();
}

}  // namespace asof::server
