#include "wire/json_parse.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <cmath>
#include <string>

namespace asof {

namespace json = boost::json;

namespace {

// boost::json::parser's own handler (a value_stack), except for on_double.
class ExactHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  ExactHandler() { stack.reset(); }

  json::value_stack stack;
  std::string number;  // text of a number split across on_number_part calls
  bool out_of_range = false;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    stack.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    stack.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, json::string_view, json::error_code&) {
    number.clear();
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(uint64_t u, json::string_view, json::error_code&) {
    number.clear();
    stack.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code& ec) {
    number.append(s.data(), s.size());
    double exact = d;
    auto [end, err] = std::from_chars(number.data(), number.data() + number.size(), exact);
    number.clear();
    if (err == std::errc::result_out_of_range) {
      // Underflow (1e-400) is a zero, as Boost.JSON has it; overflow is not a number.
      if (std::isinf(d) || std::abs(d) >= 1) {
        out_of_range = true;
        ec = json::error::exponent_overflow;
        return false;
      }
      exact = d;
    } else if (err != std::errc()) {
      exact = d;  // the grammar accepted the text, so from_chars cannot fail otherwise
    }
    stack.push_double(exact);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

Result<json::value> ParseJsonExact(std::string_view text) {
  json::basic_parser<ExactHandler> parser(json::parse_options{});
  json::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  if (ec) {
    std::string reason =
        parser.handler().out_of_range ? "number out of range of a double" : ec.message();
    return InvalidArgument("malformed JSON at byte " + std::to_string(used) + ": " + reason);
  }
  return parser.handler().stack.release();
}

}  // namespace asof
