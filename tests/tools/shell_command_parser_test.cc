#include "tools/asof/command_parser.h"

#include <gtest/gtest.h>

#include "tests/util/test_util.h"

namespace asof::shell {
namespace {

std::vector<std::string> Words(std::string_view line) {
  auto r = Tokenize(line);
  EXPECT_TRUE(r.ok()) << line << ": " << r.status().ToString();
  std::vector<std::string> out;
  if (r.ok()) {
    for (const auto& t : *r) out.push_back(t.text);
  }
  return out;
}

using V = std::vector<std::string>;

TEST(ShellCommandParserTest, SplitsOnBlanks) {
  EXPECT_EQ(Words("get user 1 f"), (V{"get", "user", "1", "f"}));
  EXPECT_EQ(Words("  get\tuser   1  "), (V{"get", "user", "1"}));
  EXPECT_EQ(Words(""), V{});
  EXPECT_EQ(Words("   "), V{});
}

TEST(ShellCommandParserTest, QuotesAndEscapes) {
  EXPECT_EQ(Words(R"(put user 1 city="New York")"), (V{"put", "user", "1", "city=New York"}));
  EXPECT_EQ(Words(R"(a 'it''s' b)"), (V{"a", "its", "b"}));
  EXPECT_EQ(Words(R"('single "keeps" \n literally')"), (V{R"(single "keeps" \n literally)"}));
  EXPECT_EQ(Words(R"("say \"hi\"\n\ttab \\ \x")"), (V{"say \"hi\"\n\ttab \\ \\x"}));
  EXPECT_EQ(Words(R"(a\ b c\"d)"), (V{"a b", "c\"d"}));
  EXPECT_EQ(Words(R"(x "" '' y)"), (V{"x", "", "", "y"}));
  EXPECT_EQ(Words("tags='[\"a b\", \"c\"]'"), (V{"tags=[\"a b\", \"c\"]"}));
  EXPECT_EQ(Words("caf\xC3\xA9 \"na\xC3\xAFve\""), (V{"caf\xC3\xA9", "na\xC3\xAFve"}));
}

TEST(ShellCommandParserTest, RemembersWhereQuotingStarted) {
  ASSERT_OK_AND_ASSIGN(auto t, Tokenize(R"(a f="null" f=null "x"y "" g='')"));
  ASSERT_EQ(t.size(), 6u);
  EXPECT_FALSE(t[0].quoted());
  EXPECT_EQ(t[1].quote_start, 2u);
  EXPECT_FALSE(t[2].quoted());
  EXPECT_EQ(t[3].quote_start, 0u);
  EXPECT_EQ(t[4].quote_start, 0u);
  EXPECT_EQ(t[4].text, "");
  EXPECT_EQ(t[5].quote_start, 2u);
  EXPECT_EQ(t[5].text, "g=");
}

TEST(ShellCommandParserTest, RejectsUnterminatedQuotesAndTrailingBackslash) {
  for (std::string_view bad : {R"(put user 1 f="abc)", "a 'b", R"(a "b\")", "a b\\"}) {
    auto r = Tokenize(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    }
  }
  auto r = Tokenize("get 'x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("column 5"), std::string::npos) << r.status().message();
}

const std::vector<OptionSpec> kSpecs = {
    {"entity", "ENTITY", "entity type"}, {"at", "TIME", "event time"}, {"all", "", "all"}};

Result<ParsedArgs> Parse(std::string_view line) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(line));
  return ParseArgs(tokens, kSpecs, "cmd");
}

TEST(ShellCommandParserTest, ParsesOptionsAnywhere) {
  ASSERT_OK_AND_ASSIGN(ParsedArgs a, Parse("x --entity user y --all --at=-1h z"));
  ASSERT_EQ(a.positional.size(), 3u);
  EXPECT_EQ(a.positional[0].text, "x");
  EXPECT_EQ(a.positional[2].text, "z");
  EXPECT_EQ(a.Get("entity"), "user");
  EXPECT_EQ(a.Get("at"), "-1h");
  EXPECT_TRUE(a.Has("all"));
  EXPECT_EQ(a.Get("all"), "");
  EXPECT_FALSE(a.Get("missing").has_value());
  EXPECT_EQ(a.GetToken("missing"), nullptr);
}

TEST(ShellCommandParserTest, OptionValuesMayLookLikeOptionsOrBeQuoted) {
  // A value is taken as is, even when it starts with a dash (relative times).
  ASSERT_OK_AND_ASSIGN(ParsedArgs a, Parse("--at -30d --entity \"a b\""));
  EXPECT_EQ(a.Get("at"), "-30d");
  EXPECT_EQ(a.Get("entity"), "a b");
  EXPECT_TRUE(a.GetToken("entity")->quoted());
  EXPECT_FALSE(a.GetToken("at")->quoted());
  ASSERT_OK_AND_ASSIGN(ParsedArgs b, Parse("--entity=\"null\""));
  ASSERT_NE(b.GetToken("entity"), nullptr);
  EXPECT_EQ(b.GetToken("entity")->text, "null");
  EXPECT_EQ(b.GetToken("entity")->quote_start, 0u);
}

TEST(ShellCommandParserTest, DoubleDashAndQuotedDashesArePositional) {
  ASSERT_OK_AND_ASSIGN(ParsedArgs a, Parse("a -- --all --bogus"));
  EXPECT_FALSE(a.Has("all"));
  ASSERT_EQ(a.positional.size(), 3u);
  EXPECT_EQ(a.positional[1].text, "--all");
  ASSERT_OK_AND_ASSIGN(ParsedArgs b, Parse("'--all' -5"));
  EXPECT_FALSE(b.Has("all"));
  ASSERT_EQ(b.positional.size(), 2u);
  EXPECT_EQ(b.positional[1].text, "-5");
}

TEST(ShellCommandParserTest, RejectsBadOptions) {
  struct Case {
    const char* line;
    const char* message_part;
  };
  for (const Case& c :
       {Case{"--bogus", "unknown option --bogus for 'cmd'"},
        Case{"--entity", "needs a value (ENTITY)"}, Case{"--all=yes", "takes no value"},
        Case{"--entity a --entity b", "given twice"},
        Case{"--Entity a", "unknown option --Entity"}}) {
    auto r = Parse(c.line);
    ASSERT_FALSE(r.ok()) << c.line;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos)
        << c.line << ": " << r.status().message();
  }
}

TEST(ShellCommandParserTest, SplitsLists) {
  ASSERT_OK_AND_ASSIGN(auto one, SplitList("a", "ids"));
  EXPECT_EQ(one, V{"a"});
  ASSERT_OK_AND_ASSIGN(auto three, SplitList("123,456,x y", "ids"));
  EXPECT_EQ(three, (V{"123", "456", "x y"}));
  for (std::string_view bad : {"", ",", "a,", ",a", "a,,b"}) {
    auto r = SplitList(bad, "ids");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("ids"), std::string::npos);
    }
  }
}

TEST(ShellCommandParserTest, SplitsAssignments) {
  ASSERT_OK_AND_ASSIGN(auto tokens, Tokenize(R"(f=1.5 s="a=b" n=null e= g@2=[1,2])"));
  ASSERT_OK_AND_ASSIGN(Assignment a, SplitAssignment(tokens[0]));
  EXPECT_EQ(a.feature, "f");
  EXPECT_EQ(a.value, "1.5");
  EXPECT_FALSE(a.value_quoted);
  ASSERT_OK_AND_ASSIGN(Assignment s, SplitAssignment(tokens[1]));
  EXPECT_EQ(s.feature, "s");
  EXPECT_EQ(s.value, "a=b");  // only the first '=' splits
  EXPECT_TRUE(s.value_quoted);
  ASSERT_OK_AND_ASSIGN(Assignment e, SplitAssignment(tokens[3]));
  EXPECT_EQ(e.value, "");
  ASSERT_OK_AND_ASSIGN(Assignment g, SplitAssignment(tokens[4]));
  EXPECT_EQ(g.feature, "g@2");
  EXPECT_EQ(g.value, "[1,2]");

  ASSERT_OK_AND_ASSIGN(auto bad, Tokenize("novalue =1"));
  for (const Token& t : bad) {
    auto r = SplitAssignment(t);
    EXPECT_FALSE(r.ok()) << t.text;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("FEATURE=VALUE"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace asof::shell
