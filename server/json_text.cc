#include "server/json_text.h"
#include "engine/number_text.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

namespace asof::server {

namespace {

void AppendDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  char buf[kMaxDoubleText];
  std::string_view text(buf, static_cast<size_t>(WriteShortestDouble(d, buf) - buf));
  out->append(text);
  // Keeps a double recognizable as one: 0.0 prints "0.0", not "0".
  if (text.find_first_of(".e") == std::string_view::npos) out->append(".0");
}

}  // namespace

void AppendJsonText(const boost::json::value& value, std::string* out) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      AppendDouble(value.get_double(), out);
      return;
    case boost::json::kind::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& v : value.get_array()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonText(v, out);
      }
      out->push_back(']');
      return;
    }
    case boost::json::kind::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& kv : value.get_object()) {
        if (!first) out->push_back(',');
        first = false;
        out->append(boost::json::serialize(boost::json::string_view(kv.key())));
        out->push_back(':');
        AppendJsonText(kv.value(), out);
      }
      out->push_back('}');
      return;
    }
    default:
      out->append(boost::json::serialize(value));  // strings, integers, bools, null
  }
}

std::string JsonText(const boost::json::value& value) {
  std::string out;
  AppendJsonText(value, &out);
  return out;
}

}  // namespace asof::server
