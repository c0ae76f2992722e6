#include "asm/assembler.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "embed/firmware_files.h"
#include "io/file_io.h"
#include "isa/fp.h"

namespace wafersim::assembler {

AsmError::AsmError(const std::string& f, int l, int c, const std::string& message)
    : std::runtime_error(fmt::format("{}:{}:{}: error: {}", f, l, c, message)),
      file(f), line(l), column(c) {}

namespace {

using isa::Instr;
using isa::Shape;

// Expressions are 64-bit two's complement and wrap around, as in other assemblers (operands are
// range-checked where they are used); written through uint64_t, where wrapping is defined.
int64_t WrapAdd(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b)); }
int64_t WrapSub(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b)); }
int64_t WrapMul(int64_t a, int64_t b) { return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b)); }

// ------------------------------------------------------------------ source and tokens

struct SourceLine {
  std::string file;
  int line = 0;
  std::string text;
};

enum class Tok { Ident, Number, Float, String, Punct, End };

struct Token {
  Tok kind = Tok::End;
  std::string text;
  int col = 0;  // 1-based
  int64_t value = 0;
};

struct Where {
  const SourceLine* src;
  [[noreturn]] void Fail(int col, const std::string& msg) const {
    throw AsmError(src->file, src->line, col, msg);
  }
};

std::string StripComment(const std::string& s) {
  bool in_str = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') in_str = !in_str;
    if (in_str) continue;
    if (c == '#' || c == ';' || (c == '/' && i + 1 < s.size() && s[i + 1] == '/')) return s.substr(0, i);
  }
  return s;
}

std::vector<Token> Tokenize(const SourceLine& src) {
  const Where at{&src};
  const std::string s = StripComment(src.text);
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const int col = static_cast<int>(i) + 1;
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '$') {
      size_t j = i + 1;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' ||
                              s[j] == '.' || s[j] == '$')) {
        ++j;
      }
      out.push_back({Tok::Ident, s.substr(i, j - i), col});
      i = j;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      bool is_float = false;
      if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X' || s[i + 1] == 'b' || s[i + 1] == 'B')) {
        j = i + 2;
        while (j < s.size() && std::isxdigit(static_cast<unsigned char>(s[j]))) ++j;
      } else {
        while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
                                s[j] == 'e' || s[j] == 'E' ||
                                ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E')))) {
          if (s[j] == '.' || s[j] == 'e' || s[j] == 'E') is_float = true;
          ++j;
        }
      }
      const std::string text = s.substr(i, j - i);
      Token t{is_float ? Tok::Float : Tok::Number, text, col};
      if (!is_float) {
        char* end = nullptr;
        const bool bin = text.size() > 2 && (text[1] == 'b' || text[1] == 'B');
        errno = 0;
        const unsigned long long v = std::strtoull(bin ? text.c_str() + 2 : text.c_str(), &end, bin ? 2 : 0);
        if (*end != '\0' || text == "0x" || text == "0b") at.Fail(col, fmt::format("bad number '{}'", text));
        if (errno == ERANGE) at.Fail(col, fmt::format("number '{}' does not fit 64 bits", text));
        t.value = static_cast<int64_t>(v);
      }
      out.push_back(t);
      i = j;
      continue;
    }
    if (c == '"') {
      const size_t j = s.find('"', i + 1);
      if (j == std::string::npos) at.Fail(col, "unterminated string");
      out.push_back({Tok::String, s.substr(i + 1, j - i - 1), col});
      i = j + 1;
      continue;
    }
    if ((c == '<' || c == '>') && i + 1 < s.size() && s[i + 1] == c) {
      out.push_back({Tok::Punct, s.substr(i, 2), col});
      i += 2;
      continue;
    }
    if (std::string(",():+-*/%&|^~").find(c) != std::string::npos) {
      out.push_back({Tok::Punct, std::string(1, c), col});
      ++i;
      continue;
    }
    at.Fail(col, fmt::format("unexpected character '{}'", c));
  }
  out.push_back({Tok::End, "", static_cast<int>(s.size()) + 1});
  return out;
}

// Where a source line's file lives: a folder on disk, or among the built-in programs (its
// folder under firmware/, e.g. "kernels").
struct Origin {
  std::filesystem::path dir;
  bool built_in = false;
};

void LoadLines(const std::string& text, const std::string& name, const Origin& origin, const AsmOptions& opt,
               std::vector<std::string>& stack, std::vector<SourceLine>& out) {
  std::stringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    SourceLine src{name, n, line};
    const auto toks = Tokenize(src);
    if (toks.size() >= 2 && toks[0].kind == Tok::Ident && toks[0].text == ".include") {
      const Where at{&src};
      if (toks[1].kind != Tok::String || toks[2].kind != Tok::End) at.Fail(toks[1].col, ".include expects one \"file\"");
      const std::string& wanted = toks[1].text;
      // On disk beside the including file (unless it is built in), then the include folders,
      // then the built-in programs: beside a built-in includer, then under kernels/.
      std::vector<std::filesystem::path> candidates;
      if (!origin.built_in) candidates.push_back(origin.dir / wanted);
      for (const auto& d : opt.include_dirs) candidates.push_back(std::filesystem::path(d) / wanted);
      std::string key, included, included_name;
      Origin next;
      for (const auto& c : candidates) {
        // The error_code forms: a name the system refuses (too long, say) is one not found.
        std::error_code ec;
        if (std::filesystem::is_regular_file(c, ec)) {
          key = std::filesystem::weakly_canonical(c, ec).string();
          if (ec) key = c.lexically_normal().string();
          try {
            included = io::ReadFile(c.string());
          } catch (const io::FileError& e) {
            at.Fail(toks[1].col, fmt::format("include file \"{}\": {}", wanted, e.what()));
          }
          if (opt.files_read != nullptr) opt.files_read->push_back(c.string());
          included_name = c.string();
          next = {c.parent_path(), false};
          break;
        }
      }
      if (key.empty()) {
        for (const std::filesystem::path& c : {origin.built_in ? origin.dir / wanted : std::filesystem::path(),
                                               std::filesystem::path("kernels") / wanted}) {
          const std::string* t = c.empty() ? nullptr : firmware::FindBuiltIn(c.lexically_normal().generic_string());
          if (t == nullptr) continue;
          key = "built-in:" + c.lexically_normal().generic_string();
          included = *t;
          included_name = "firmware/" + c.lexically_normal().generic_string();
          next = {c.parent_path(), true};
          break;
        }
      }
      if (key.empty()) at.Fail(toks[1].col, fmt::format("cannot find include file \"{}\"", wanted));
      for (const auto& s : stack) {
        if (s == key) at.Fail(toks[1].col, fmt::format("include cycle: \"{}\" includes itself", wanted));
      }
      stack.push_back(key);
      LoadLines(included, included_name, next, opt, stack, out);
      stack.pop_back();
      continue;
    }
    out.push_back(std::move(src));
  }
}

// ------------------------------------------------------------------ the assembler

struct Statement {
  const SourceLine* src = nullptr;
  std::vector<Token> toks;
  size_t op = 0;  // index of the mnemonic or directive token
};

class Assembler {
 public:
  explicit Assembler(const AsmOptions& opt) : opt_(opt) {}

  isa::Program Run(const std::vector<SourceLine>& lines) {
    for (const auto& l : lines) statements_.push_back(Parse(l));
    pass_ = 1;
    Walk();
    pass_ = 2;
    Walk();
    isa::Program p;
    p.code = code_;
    // Data: contiguous runs of written bytes become segments.
    for (auto it = data_.begin(); it != data_.end();) {
      isa::DataSegment seg;
      seg.addr = it->first;
      uint32_t next = it->first;
      while (it != data_.end() && it->first == next) {
        seg.bytes.push_back(it->second);
        ++next;
        ++it;
      }
      p.data.push_back(std::move(seg));
    }
    for (const auto& [name, sym] : symbols_) p.symbols.push_back(isa::Symbol{name, static_cast<uint32_t>(sym.value), sym.kind});
    return p;
  }

 private:
  struct Sym {
    int64_t value;
    isa::Symbol::Kind kind;
  };

  Statement Parse(const SourceLine& l) {
    Statement st;
    st.src = &l;
    st.toks = Tokenize(l);
    return st;
  }

  void Walk() {
    text_ = true;
    pc_ = 0;
    loc_ = 0;
    conditions_.clear();
    repeats_.clear();
    if (pass_ == 1) {
      for (const auto& [name, value] : opt_.defines) symbols_[name] = Sym{value, isa::Symbol::kConst};
    }
    size_t walked = 0;
    for (size_t k = 0; k < statements_.size(); ++k) {
      const Statement& st = statements_[k];
      const Where at{st.src};
      if (++walked > kMaxStatements) {
        at.Fail(1, fmt::format("the program runs to more than {} statements with its .rept copies", kMaxStatements));
      }
      if (Conditional(at, st)) continue;
      if (Repeat(at, k)) continue;
      size_t i = 0;
      // Labels: "name:" (several may share a line).
      while (st.toks[i].kind == Tok::Ident && st.toks[i + 1].kind == Tok::Punct && st.toks[i + 1].text == ":") {
        if (pass_ == 1) Define(at, st.toks[i], text_ ? pc_ : loc_, text_ ? isa::Symbol::kText : isa::Symbol::kData);
        i += 2;
      }
      if (st.toks[i].kind == Tok::End) continue;
      if (st.toks[i].kind != Tok::Ident) at.Fail(st.toks[i].col, "expected an instruction or a directive");
      const Token& head = st.toks[i];
      const auto operands = SplitOperands(at, st.toks, i + 1);
      if (head.text[0] == '.') {
        Directive(at, head, operands);
      } else {
        Instruction(at, head, operands);
      }
    }
    if (!conditions_.empty()) {
      throw AsmError(conditions_.back().src->file, conditions_.back().src->line, 1, ".if without .endif");
    }
    if (!repeats_.empty()) throw AsmError(repeats_.back().src->file, repeats_.back().src->line, 1, ".rept without .endr");
  }

  // ---------------------------------------------------------------- repetition

  /// Statements one pass may assemble, .rept copies included: 4 times the largest instruction
  /// memory (65,536 words), and few enough that nested .repts cannot take minutes.
  static constexpr size_t kMaxStatements = size_t{1} << 18;

  struct Repetition {
    const SourceLine* src;  // the .rept
    size_t body;            // its statement's index: each copy starts after it
    int64_t count, index;
    std::string name;       // the copy's index, a constant inside the body
    size_t conditions;      // open .ifs at the .rept (a copy closes its own)
  };

  /// .rept COUNT, NAME / .endr: the lines between, COUNT times over, with NAME equal to 0, 1,
  /// .. COUNT - 1 in turn. Labels and .equ defined in the body belong to their copy (a name
  /// used in a copy means its own copy's first, then the enclosing copy's, then the program's).
  /// COUNT may use only symbols defined above it, as .if's EXPR. True when `st` is one of them;
  /// `k` moves to the start of the next copy, or past a body repeated 0 times.
  bool Repeat(const Where& at, size_t& k) {
    const Statement& st = statements_[k];
    const Token& head = st.toks[0];
    const std::string d = head.kind == Tok::Ident ? head.text : "";
    if (d == ".rept") {
      const auto ops = SplitOperands(at, st.toks, 1);
      Count(at, ops.size(), 2, 2, head);
      const int64_t count = Eval(at, ops[0]);
      if (count < 0 || count > 65535) at.Fail(Col(ops[0]), fmt::format("count {} is out of range 0..65535", count));
      if (ops[1][0].kind != Tok::Ident || ops[1][1].kind != Tok::End) at.Fail(Col(ops[1]), "expected a name");
      const Token& name = ops[1][0];
      if (IsReserved(name.text)) at.Fail(name.col, fmt::format("'{}' is a register name and cannot be a symbol", name.text));
      if (Lookup(name.text) != nullptr) at.Fail(name.col, fmt::format("'{}' is already defined", name.text));
      if (count == 0) {
        for (int depth = 1; depth > 0;) {
          if (++k == statements_.size()) at.Fail(head.col, ".rept without .endr");
          const Token& t = statements_[k].toks[0];
          if (t.kind == Tok::Ident && t.text == ".rept") ++depth;
          if (t.kind == Tok::Ident && t.text == ".endr") --depth;
        }
        return true;
      }
      repeats_.push_back({st.src, k, count, 0, name.text, conditions_.size()});
      symbols_[name.text] = Sym{0, isa::Symbol::kConst};
      return true;
    }
    if (d == ".endr") {
      Count(at, SplitOperands(at, st.toks, 1).size(), 0, 0, head);
      if (repeats_.empty()) at.Fail(head.col, ".endr without .rept");
      Repetition& r = repeats_.back();
      if (conditions_.size() != r.conditions) at.Fail(head.col, ".endr inside an .if opened in its body");
      if (++r.index < r.count) {
        symbols_[r.name].value = r.index;
        k = r.body;
      } else {
        symbols_.erase(r.name);
        repeats_.pop_back();
      }
      return true;
    }
    return false;
  }

  /// `name` as the current copy of the innermost .rept knows it ("name@2.0": copy 0 of a
  /// .rept in copy 2 of another), `depth` copies deep.
  std::string Scoped(const std::string& name, size_t depth) const {
    if (depth == 0) return name;
    std::string s = name + "@";
    for (size_t i = 0; i < depth; ++i) s += fmt::format("{}{}", i ? "." : "", repeats_[i].index);
    return s;
  }

  const Sym* Lookup(const std::string& name) const {
    for (size_t depth = repeats_.size() + 1; depth-- > 0;) {
      const auto it = symbols_.find(Scoped(name, depth));
      if (it != symbols_.end()) return &it->second;
    }
    return nullptr;
  }

  // ---------------------------------------------------------------- conditional assembly

  struct Condition {
    const SourceLine* src;  // the .if, for an unclosed one's message
    bool taken;             // this branch is assembled
    bool any_taken;         // some branch of this .if has been
    bool outer;             // the enclosing branch is assembled
  };

  bool Active() const { return conditions_.empty() || (conditions_.back().outer && conditions_.back().taken); }

  /// .if EXPR / .elif EXPR / .else / .endif: true when `st` is one of them, or is skipped by
  /// them. EXPR may use only symbols defined above it (a parameter, an .equ), so both passes
  /// take the same branches.
  bool Conditional(const Where& at, const Statement& st) {
    const Token& head = st.toks[0];
    const std::string d = head.kind == Tok::Ident ? head.text : "";
    if (d == ".if") {
      const bool outer = Active();
      const auto ops = SplitOperands(at, st.toks, 1);
      Count(at, ops.size(), 1, 1, head);
      const bool taken = outer && Eval(at, ops[0]) != 0;
      conditions_.push_back({st.src, taken, taken, outer});
      return true;
    }
    if (d == ".elif" || d == ".else" || d == ".endif") {
      if (conditions_.empty()) at.Fail(head.col, fmt::format("{} without .if", d));
      Condition& c = conditions_.back();
      if (d == ".endif") {
        Count(at, SplitOperands(at, st.toks, 1).size(), 0, 0, head);
        conditions_.pop_back();
      } else if (d == ".else") {
        Count(at, SplitOperands(at, st.toks, 1).size(), 0, 0, head);
        c.taken = c.outer && !c.any_taken;
        c.any_taken = true;
      } else {
        const auto ops = SplitOperands(at, st.toks, 1);
        Count(at, ops.size(), 1, 1, head);
        c.taken = c.outer && !c.any_taken && Eval(at, ops[0]) != 0;
        c.any_taken |= c.taken;
      }
      return true;
    }
    return !Active();
  }

  using Operand = std::vector<Token>;  // tokens of one comma-separated operand (ends with End)

  std::vector<Operand> SplitOperands(const Where& at, const std::vector<Token>& toks, size_t from) {
    std::vector<Operand> ops;
    if (toks[from].kind == Tok::End) return ops;
    Operand cur;
    int depth = 0;
    for (size_t i = from;; ++i) {
      const Token& t = toks[i];
      if (t.kind == Tok::End || (depth == 0 && t.kind == Tok::Punct && t.text == ",")) {
        if (cur.empty()) at.Fail(t.col, "missing operand");
        cur.push_back({Tok::End, "", t.col});
        ops.push_back(cur);
        cur.clear();
        if (t.kind == Tok::End) break;
        continue;
      }
      if (t.kind == Tok::Punct && t.text == "(") ++depth;
      if (t.kind == Tok::Punct && t.text == ")") --depth;
      cur.push_back(t);
    }
    return ops;
  }

  void Define(const Where& at, const Token& name, int64_t value, isa::Symbol::Kind kind) {
    if (IsReserved(name.text)) at.Fail(name.col, fmt::format("'{}' is a register name and cannot be a symbol", name.text));
    const std::string key = Scoped(name.text, repeats_.size());
    if (symbols_.count(key)) at.Fail(name.col, fmt::format("'{}' is already defined", name.text));
    symbols_[key] = Sym{value, kind};
  }

  static bool IsReserved(const std::string& s) {
    if (s.size() >= 2 && (s[0] == 'r' || s[0] == 'd' || s[0] == 't') &&
        s.find_first_not_of("0123456789", 1) == std::string::npos) {
      return true;
    }
    return s == "zero" || s == "lr";
  }

  // ---------------------------------------------------------------- expressions

  struct ExprParser {
    Assembler& as;
    const Where& at;
    const Operand& toks;
    size_t i = 0;
    bool allow_undefined;  // pass 1: unknown symbols evaluate to 0 and mark the result
    bool undefined = false;

    const Token& Peek() const { return toks[i]; }
    bool IsPunct(const char* p) const { return Peek().kind == Tok::Punct && Peek().text == p; }

    int64_t Parse() { return Or(); }
    int64_t Or() {
      int64_t v = Xor();
      while (IsPunct("|")) ++i, v |= Xor();
      return v;
    }
    int64_t Xor() {
      int64_t v = And();
      while (IsPunct("^")) ++i, v ^= And();
      return v;
    }
    int64_t And() {
      int64_t v = Shift();
      while (IsPunct("&")) ++i, v &= Shift();
      return v;
    }
    int64_t Shift() {
      int64_t v = Add();
      for (;;) {
        if (IsPunct("<<")) {
          ++i;
          v = static_cast<int64_t>(static_cast<uint64_t>(v) << (Add() & 63));
        } else if (IsPunct(">>")) {
          ++i;
          v >>= (Add() & 63);
        } else {
          return v;
        }
      }
    }
    int64_t Add() {
      int64_t v = Mul();
      for (;;) {
        if (IsPunct("+")) ++i, v = WrapAdd(v, Mul());
        else if (IsPunct("-")) ++i, v = WrapSub(v, Mul());
        else return v;
      }
    }
    int64_t Mul() {
      int64_t v = Unary();
      for (;;) {
        if (IsPunct("*")) {
          ++i;
          v = WrapMul(v, Unary());
        } else if (IsPunct("/") || IsPunct("%")) {
          const bool div = IsPunct("/");
          const int col = Peek().col;
          ++i;
          const int64_t d = Unary();
          if (d == 0) {
            if (undefined) return 0;
            at.Fail(col, "division by zero");
          }
          // The one quotient that overflows, INT64_MIN / -1, wraps to INT64_MIN.
          v = d == -1 ? (div ? WrapSub(0, v) : 0) : div ? v / d : v % d;
        } else {
          return v;
        }
      }
    }
    int64_t Unary() {
      if (IsPunct("-")) return ++i, WrapSub(0, Unary());
      if (IsPunct("+")) return ++i, Unary();
      if (IsPunct("~")) return ++i, ~Unary();
      return Primary();
    }
    int64_t Primary() {
      const Token& t = Peek();
      if (t.kind == Tok::Number) return ++i, t.value;
      if (t.kind == Tok::Punct && t.text == "(") {
        ++i;
        const int64_t v = Parse();
        if (!IsPunct(")")) at.Fail(Peek().col, "expected ')'");
        ++i;
        return v;
      }
      if (t.kind == Tok::Ident) {
        ++i;
        if (const Sym* sym = as.Lookup(t.text)) return sym->value;
        if (IsReserved(t.text)) at.Fail(t.col, fmt::format("register '{}' where a value was expected", t.text));
        if (allow_undefined) {
          undefined = true;
          return 0;
        }
        at.Fail(t.col, fmt::format("undefined symbol '{}'", t.text));
      }
      if (t.kind == Tok::Float) at.Fail(t.col, "a float is not allowed here (use .float, .f16 or lif)");
      at.Fail(t.col, t.kind == Tok::End ? "missing expression" : fmt::format("unexpected '{}'", t.text));
    }
  };

  /// Evaluates a whole operand; in pass 1 unknown symbols are tolerated when `lenient`.
  int64_t Eval(const Where& at, const Operand& op, bool lenient = false, bool* undefined = nullptr) {
    ExprParser p{*this, at, op, 0, lenient && pass_ == 1};
    const int64_t v = p.Parse();
    if (p.Peek().kind != Tok::End) at.Fail(p.Peek().col, fmt::format("unexpected '{}'", p.Peek().text));
    if (undefined) *undefined = p.undefined;
    return v;
  }

  double EvalFloat(const Where& at, const Operand& op) {
    size_t i = 0;
    double sign = 1;
    if (op[i].kind == Tok::Punct && (op[i].text == "-" || op[i].text == "+")) {
      sign = op[i].text == "-" ? -1 : 1;
      ++i;
    }
    const Token& t = op[i];
    double v;
    if (t.kind == Tok::Float || t.kind == Tok::Number) {
      v = std::strtod(t.text.c_str(), nullptr);
    } else if (t.kind == Tok::Ident && (t.text == "inf" || t.text == "nan")) {
      v = t.text == "inf" ? INFINITY : NAN;
    } else {
      at.Fail(t.col, "expected a floating-point number");
    }
    if (op[i + 1].kind != Tok::End) at.Fail(op[i + 1].col, fmt::format("unexpected '{}'", op[i + 1].text));
    return sign * v;
  }

  // ---------------------------------------------------------------- operands

  static int Col(const Operand& op) { return op[0].col; }

  int Indexed(const Where& at, const Operand& op, char prefix, int count, const char* what) {
    if (op[0].kind == Tok::Ident && op[1].kind == Tok::End) {
      std::string s = op[0].text;
      if (prefix == 'r' && s == "zero") s = "r0";
      if (prefix == 'r' && s == "lr") s = "r15";
      // At most three digits, so that "r4294967296" is not taken for r0.
      if (s.size() >= 2 && s.size() <= 4 && s[0] == prefix && s.find_first_not_of("0123456789", 1) == std::string::npos) {
        const int n = std::atoi(s.c_str() + 1);
        if (n < count) return n;
      }
    }
    at.Fail(Col(op), fmt::format("expected {} ({}0..{}{})", what, prefix, prefix, count - 1));
  }
  int Reg(const Where& at, const Operand& op) { return Indexed(at, op, 'r', isa::kNumRegs, "a register"); }
  int Desc(const Where& at, const Operand& op) { return Indexed(at, op, 'd', isa::kNumDescs, "a descriptor"); }
  int TaskId(const Where& at, const Operand& op) { return Indexed(at, op, 't', isa::kNumTasks, "a task"); }

  int64_t Ranged(const Where& at, const Operand& op, int64_t lo, int64_t hi, const char* what) {
    bool undefined = false;
    const int64_t v = Eval(at, op, true, &undefined);
    if (!undefined && (v < lo || v > hi)) {
      at.Fail(Col(op), fmt::format("{} {} is out of range {}..{}", what, v, lo, hi));
    }
    return v;
  }

  std::string Word(const Where& at, const Operand& op, std::initializer_list<const char*> allowed) {
    if (op[0].kind == Tok::Ident && op[1].kind == Tok::End) {
      for (const char* a : allowed) {
        if (op[0].text == a) return a;
      }
    }
    std::string list;
    for (const char* a : allowed) list += fmt::format("{}{}", list.empty() ? "" : " or ", a);
    at.Fail(Col(op), fmt::format("expected {}", list));
  }

  /// An element type: f32 or f16, or an expression of symbols defined above equal to 32 or 16
  /// (a program's parameter, `.equ DT, 16`). True for f16.
  bool ElementType(const Where& at, const Operand& op) {
    if (op[0].kind == Tok::Ident && op[1].kind == Tok::End && (op[0].text == "f32" || op[0].text == "f16")) {
      return op[0].text == "f16";
    }
    if (op[0].kind == Tok::Ident && op[1].kind == Tok::End && Lookup(op[0].text) == nullptr) {
      at.Fail(Col(op), fmt::format("expected f32 or f16, or a symbol equal to 32 or 16 ('{}' is not defined)",
                                   op[0].text));
    }
    const int64_t bits = Eval(at, op);
    if (bits != 32 && bits != 16) at.Fail(Col(op), fmt::format("element type {} is not 32 (f32) or 16 (f16)", bits));
    return bits == 16;
  }

  /// "imm(rN)": splits at the last top-level '('.
  std::pair<Operand, int> Memory(const Where& at, const Operand& op) {
    size_t open = std::string::npos;
    int depth = 0;
    for (size_t i = 0; op[i].kind != Tok::End; ++i) {
      if (op[i].kind == Tok::Punct && op[i].text == "(") {
        if (depth == 0) open = i;
        ++depth;
      } else if (op[i].kind == Tok::Punct && op[i].text == ")") {
        --depth;
      }
    }
    const size_t end = op.size() - 1;
    if (open == std::string::npos || end < 3 || op[end - 1].text != ")" || open + 2 != end - 1) {
      at.Fail(Col(op), "expected a memory operand imm(rN)");
    }
    Operand base{op[open + 1], {Tok::End, "", op[open + 1].col}};
    Operand imm(op.begin(), op.begin() + static_cast<long>(open));
    if (imm.empty()) imm.push_back({Tok::Number, "0", Col(op), 0});
    imm.push_back({Tok::End, "", op[open].col});
    return {imm, Reg(at, base)};
  }

  void Count(const Where& at, size_t got, size_t lo, size_t hi, const Token& head) {
    if (got < lo || got > hi) {
      at.Fail(head.col, lo == hi ? fmt::format("'{}' takes {} operand{}", head.text, lo, lo == 1 ? "" : "s")
                                 : fmt::format("'{}' takes {} to {} operands", head.text, lo, hi));
    }
  }

  // ---------------------------------------------------------------- emission

  void Emit(const Where& at, int col, uint32_t word) {
    if (!text_) at.Fail(col, "instructions belong in .text");
    if (pc_ >= opt_.imem_words) {
      at.Fail(col, fmt::format("program needs more than the {} words of instruction memory", opt_.imem_words));
    }
    if (pass_ == 2) code_.push_back(word);
    ++pc_;
  }

  void EmitByte(const Where& at, int col, uint8_t b) {
    if (loc_ >= opt_.sram_bytes) {
      at.Fail(col, fmt::format("data at byte {} is beyond the {}-byte SRAM", loc_, opt_.sram_bytes));
    }
    if (pass_ == 2) {
      if (data_.count(static_cast<uint32_t>(loc_))) at.Fail(col, fmt::format("data overlaps earlier data at byte {}", loc_));
      data_[static_cast<uint32_t>(loc_)] = b;
    }
    ++loc_;
  }

  void EmitData(const Where& at, int col, uint64_t v, int bytes, int align) {
    if (text_) at.Fail(col, "data directives belong in .data (only .word may appear in .text)");
    if (loc_ % align != 0) at.Fail(col, fmt::format("data of {} bytes at byte {} is misaligned (use .align)", bytes, loc_));
    for (int b = 0; b < bytes; ++b) EmitByte(at, col, static_cast<uint8_t>(v >> (8 * b)));
  }

  void Directive(const Where& at, const Token& head, const std::vector<Operand>& ops) {
    const std::string& d = head.text;
    if (d == ".text" || d == ".data") {
      Count(at, ops.size(), 0, 0, head);
      text_ = d == ".text";
    } else if (d == ".equ" || d == ".set") {
      Count(at, ops.size(), 2, 2, head);
      if (ops[0][0].kind != Tok::Ident || ops[0][1].kind != Tok::End) at.Fail(Col(ops[0]), "expected a name");
      if (pass_ == 1) Define(at, ops[0][0], Eval(at, ops[1]), isa::Symbol::kConst);
    } else if (d == ".word") {
      Count(at, ops.size(), 1, 1 << 20, head);
      for (const auto& op : ops) {
        const int64_t v = Ranged(at, op, INT32_MIN, UINT32_MAX, "word");
        if (text_) Emit(at, Col(op), static_cast<uint32_t>(v));
        else EmitData(at, Col(op), static_cast<uint64_t>(v), 4, 4);
      }
    } else if (d == ".half") {
      Count(at, ops.size(), 1, 1 << 20, head);
      for (const auto& op : ops) EmitData(at, Col(op), static_cast<uint64_t>(Ranged(at, op, INT16_MIN, UINT16_MAX, "half")), 2, 2);
    } else if (d == ".float") {
      Count(at, ops.size(), 1, 1 << 20, head);
      for (const auto& op : ops) EmitData(at, Col(op), isa::AsBits(static_cast<float>(EvalFloat(at, op))), 4, 4);
    } else if (d == ".f16") {
      Count(at, ops.size(), 1, 1 << 20, head);
      for (const auto& op : ops) {
        EmitData(at, Col(op), isa::F32ToF16(isa::AsBits(static_cast<float>(EvalFloat(at, op)))), 2, 2);
      }
    } else if (d == ".space") {
      Count(at, ops.size(), 1, 1, head);
      const int64_t n = Ranged(at, ops[0], 0, opt_.sram_bytes, "size");
      for (int64_t k = 0; k < n; ++k) EmitData(at, Col(ops[0]), 0, 1, 1);
    } else if (d == ".align") {
      Count(at, ops.size(), 1, 1, head);
      const int64_t a = Ranged(at, ops[0], 1, 4096, "alignment");
      if (a & (a - 1)) at.Fail(Col(ops[0]), fmt::format("alignment {} is not a power of two", a));
      if (text_) at.Fail(head.col, ".align belongs in .data");
      while (loc_ % a) EmitData(at, head.col, 0, 1, 1);
    } else if (d == ".org") {
      Count(at, ops.size(), 1, 1, head);
      if (text_) at.Fail(head.col, ".org belongs in .data");
      loc_ = static_cast<int>(Ranged(at, ops[0], 0, opt_.sram_bytes, "address"));
    } else {
      at.Fail(head.col, fmt::format("unknown directive '{}'", d));
    }
  }

  /// Words `li` needs: one when the value is known in pass 1 and fits an addi immediate.
  int LiWords(const Where& at, const Operand& op, int64_t* value) {
    bool undefined = false;
    *value = Eval(at, op, true, &undefined);
    if (pass_ == 1) {
      const int words = (!undefined && *value >= isa::kImm18Min && *value <= isa::kImm18Max) ? 1 : 2;
      li_words_.push_back(words);
      return words;
    }
    return li_words_[li_index_++];
  }

  void EmitLi(const Where& at, int col, int rd, int64_t v, int words) {
    if (v < INT32_MIN || v > UINT32_MAX) at.Fail(col, fmt::format("value {} does not fit 32 bits", v));
    const uint32_t u = static_cast<uint32_t>(v);
    if (words == 1) {
      Emit(at, col, isa::Encode(Instr{.op = isa::kOpAddi, .rd = static_cast<uint8_t>(rd), .imm = static_cast<int32_t>(v)}));
      return;
    }
    Emit(at, col, isa::Encode(Instr{.op = isa::kOpLui, .rd = static_cast<uint8_t>(rd), .imm = static_cast<int32_t>(u >> 10)}));
    Emit(at, col, isa::Encode(Instr{.op = isa::kOpOri, .rd = static_cast<uint8_t>(rd), .rs1 = static_cast<uint8_t>(rd),
                                    .imm = static_cast<int32_t>(u & 0x3ff)}));
  }

  void Instruction(const Where& at, const Token& head, const std::vector<Operand>& ops) {
    const std::string& name = head.text;
    const int col = head.col;
    // Pseudo-instructions.
    if (name == "li" || name == "la") {
      Count(at, ops.size(), 2, 2, head);
      const int rd = Reg(at, ops[0]);
      int64_t v = 0;
      const int words = LiWords(at, ops[1], &v);
      EmitLi(at, Col(ops[1]), rd, v, words);
      return;
    }
    if (name == "lif") {
      Count(at, ops.size(), 2, 2, head);
      const int rd = Reg(at, ops[0]);
      const uint32_t bits = isa::AsBits(static_cast<float>(EvalFloat(at, ops[1])));
      const int64_t v = bits;
      const int words = (v >= isa::kImm18Min && v <= isa::kImm18Max) ? 1 : 2;
      EmitLi(at, Col(ops[1]), rd, v, words);
      return;
    }
    if (name == "mv") {
      Count(at, ops.size(), 2, 2, head);
      Emit(at, col, isa::Encode(Instr{.op = isa::kOpAddi, .rd = static_cast<uint8_t>(Reg(at, ops[0])),
                                      .rs1 = static_cast<uint8_t>(Reg(at, ops[1]))}));
      return;
    }
    if (name == "nop") {
      Count(at, ops.size(), 0, 0, head);
      Emit(at, col, isa::Encode(Instr{.op = isa::kOpAddi}));
      return;
    }
    if (name == "j" || name == "call") {
      Count(at, ops.size(), 1, 1, head);
      const int64_t target = Eval(at, ops[0], true);
      Emit(at, col, isa::Encode(Instr{.op = isa::kOpJal, .rd = static_cast<uint8_t>(name == "call" ? 15 : 0),
                                      .imm = static_cast<int32_t>(Offset(at, ops[0], target, isa::kImm22Min, isa::kImm22Max))}));
      return;
    }
    if (name == "ret") {
      Count(at, ops.size(), 0, 0, head);
      Emit(at, col, isa::Encode(Instr{.op = isa::kOpJalr, .rs1 = 15}));
      return;
    }

    const isa::Mnemonic* m = isa::FindMnemonic(name);
    if (m == nullptr) at.Fail(col, fmt::format("unknown instruction '{}'", name));
    Instr in;
    in.op = m->op;
    in.fn = m->fn;
    auto u8 = [](int v) { return static_cast<uint8_t>(v); };
    switch (m->shape) {
      case Shape::None:
        Count(at, ops.size(), 0, 0, head);
        break;
      case Shape::RdRs1Rs2:
        Count(at, ops.size(), 3, 3, head);
        in.rd = u8(Reg(at, ops[0])), in.rs1 = u8(Reg(at, ops[1])), in.rs2 = u8(Reg(at, ops[2]));
        break;
      case Shape::RdRs1:
        Count(at, ops.size(), 2, 2, head);
        in.rd = u8(Reg(at, ops[0])), in.rs1 = u8(Reg(at, ops[1]));
        break;
      case Shape::RdRs1Rs2Rs3:
        Count(at, ops.size(), 4, 4, head);
        in.rd = u8(Reg(at, ops[0])), in.rs1 = u8(Reg(at, ops[1])), in.rs2 = u8(Reg(at, ops[2]));
        in.rs3 = u8(Reg(at, ops[3]));
        break;
      case Shape::RdRs1Imm:
        Count(at, ops.size(), 3, 3, head);
        in.rd = u8(Reg(at, ops[0])), in.rs1 = u8(Reg(at, ops[1]));
        in.imm = static_cast<int32_t>(Ranged(at, ops[2], isa::kImm18Min, isa::kImm18Max, "immediate"));
        break;
      case Shape::RdMem: {
        Count(at, ops.size(), 2, 2, head);
        in.rd = u8(Reg(at, ops[0]));
        auto [imm, base] = Memory(at, ops[1]);
        in.rs1 = u8(base);
        in.imm = static_cast<int32_t>(Ranged(at, imm, isa::kImm18Min, isa::kImm18Max, "offset"));
        break;
      }
      case Shape::Rs2Mem: {
        Count(at, ops.size(), 2, 2, head);
        in.rs2 = u8(Reg(at, ops[0]));
        auto [imm, base] = Memory(at, ops[1]);
        in.rs1 = u8(base);
        in.imm = static_cast<int32_t>(Ranged(at, imm, isa::kImm18Min, isa::kImm18Max, "offset"));
        break;
      }
      case Shape::Branch:
        Count(at, ops.size(), 3, 3, head);
        in.rs1 = u8(Reg(at, ops[0])), in.rs2 = u8(Reg(at, ops[1]));
        in.imm = static_cast<int32_t>(Offset(at, ops[2], Eval(at, ops[2], true), isa::kImm18Min, isa::kImm18Max));
        break;
      case Shape::RdImm:
        Count(at, ops.size(), 2, 2, head);
        in.rd = u8(Reg(at, ops[0]));
        in.imm = static_cast<int32_t>(Ranged(at, ops[1], 0, isa::kLuiMax, "immediate"));
        break;
      case Shape::RdLabel:
        Count(at, ops.size(), 2, 2, head);
        in.rd = u8(Reg(at, ops[0]));
        in.imm = static_cast<int32_t>(Offset(at, ops[1], Eval(at, ops[1], true), isa::kImm22Min, isa::kImm22Max));
        break;
      case Shape::Dmem:
        Count(at, ops.size(), 5, 5, head);
        in.dd = u8(Desc(at, ops[0])), in.rs1 = u8(Reg(at, ops[1])), in.rs2 = u8(Reg(at, ops[2]));
        in.rs3 = u8(Reg(at, ops[3]));
        in.flags = ElementType(at, ops[4]) ? isa::kFlagF16Mem : 0;
        break;
      case Shape::Dfab:
        Count(at, ops.size(), 5, 5, head);
        in.dd = u8(Desc(at, ops[0]));
        in.flags = static_cast<uint16_t>(Ranged(at, ops[1], 0, 31, "color"));
        in.rs2 = u8(Reg(at, ops[2]));
        if (Word(at, ops[3], {"in", "out"}) == std::string("out")) in.flags |= isa::kFlagOut;
        if (ElementType(at, ops[4])) in.flags |= isa::kFlagF16Fab;
        break;
      case Shape::DdRs1:
        Count(at, ops.size(), 2, 2, head);
        in.dd = u8(Desc(at, ops[0])), in.rs1 = u8(Reg(at, ops[1]));
        break;
      case Shape::DdDaDbRs:
        Count(at, ops.size(), 4, 4, head);
        in.dd = u8(Desc(at, ops[0])), in.da = u8(Desc(at, ops[1])), in.db = u8(Desc(at, ops[2]));
        in.rs = u8(Reg(at, ops[3]));
        break;
      case Shape::DdDaDb:
        Count(at, ops.size(), 3, 3, head);
        in.dd = u8(Desc(at, ops[0])), in.da = u8(Desc(at, ops[1])), in.db = u8(Desc(at, ops[2]));
        break;
      case Shape::DdDaRs:
        Count(at, ops.size(), 3, 3, head);
        in.dd = u8(Desc(at, ops[0])), in.da = u8(Desc(at, ops[1])), in.rs = u8(Reg(at, ops[2]));
        break;
      case Shape::DdDa:
        Count(at, ops.size(), 2, 2, head);
        in.dd = u8(Desc(at, ops[0])), in.da = u8(Desc(at, ops[1]));
        break;
      case Shape::RdDaDb:
        Count(at, ops.size(), 3, 3, head);
        in.rd = u8(Reg(at, ops[0])), in.da = u8(Desc(at, ops[1])), in.db = u8(Desc(at, ops[2]));
        break;
      case Shape::RdDa:
        Count(at, ops.size(), 2, 2, head);
        in.rd = u8(Reg(at, ops[0])), in.da = u8(Desc(at, ops[1]));
        break;
      case Shape::Tbind:
        Count(at, ops.size(), 4, 4, head);
        in.task = u8(TaskId(at, ops[0]));
        in.color = u8(static_cast<int>(Ranged(at, ops[1], 0, 31, "color")));
        in.entry = static_cast<uint16_t>(Ranged(at, ops[2], 0, opt_.imem_words - 1, "entry"));
        in.kind = Word(at, ops[3], {"data", "control"}) == std::string("control") ? 1 : 0;
        break;
      case Shape::Task:
        Count(at, ops.size(), 1, 1, head);
        in.imm = TaskId(at, ops[0]);
        break;
      case Shape::Send:
        Count(at, ops.size(), 2, 5, head);
        in.rs1 = u8(Reg(at, ops[0]));
        in.imm = static_cast<int32_t>(Ranged(at, ops[1], 0, 31, "color"));
        // The wavelet's bits, in any order, each at most once.
        for (size_t i = 2; i < ops.size(); ++i) {
          const std::string bit = Word(at, ops[i], {"ctrl", "head", "tail"});
          const uint32_t mask = bit == "ctrl" ? isa::kSendCtrl : bit == "head" ? isa::kSendHead : isa::kSendTail;
          if (in.imm & mask) at.Fail(Col(ops[i]), fmt::format("'{}' is given twice", bit));
          in.imm |= static_cast<int32_t>(mask);
        }
        break;
      case Shape::Recv:
        Count(at, ops.size(), 2, 2, head);
        in.rd = u8(Reg(at, ops[0]));
        in.imm = static_cast<int32_t>(Ranged(at, ops[1], 0, 31, "color"));
        break;
      case Shape::Csrr: {
        Count(at, ops.size(), 2, 2, head);
        in.rd = u8(Reg(at, ops[0]));
        const auto& op = ops[1];
        std::optional<int> csr;
        if (op[0].kind == Tok::Ident && op[1].kind == Tok::End) csr = isa::CsrByName(op[0].text);
        in.imm = csr ? *csr : static_cast<int32_t>(Ranged(at, op, 0, isa::kNumCsrs - 1, "CSR"));
        break;
      }
      case Shape::Rcfg:
        Count(at, ops.size(), 3, 3, head);
        in.rs1 = u8(Reg(at, ops[0]));
        in.imm = static_cast<int32_t>(Ranged(at, ops[1], 0, 4, "route register"));
        in.rs2 = u8(Reg(at, ops[2]));
        break;
    }
    Emit(at, col, isa::Encode(in));
  }

  int64_t Offset(const Where& at, const Operand& op, int64_t target, int64_t lo, int64_t hi) {
    if (pass_ == 1) return 0;
    const int64_t off = WrapSub(target, pc_);
    if (off < lo || off > hi) at.Fail(Col(op), fmt::format("target is {} words away, beyond {}..{}", off, lo, hi));
    return off;
  }

  const AsmOptions opt_;
  std::vector<Statement> statements_;
  std::vector<Condition> conditions_;
  std::map<std::string, Sym> symbols_;
  std::vector<Repetition> repeats_;
  std::vector<int> li_words_;
  size_t li_index_ = 0;
  std::vector<uint32_t> code_;
  std::map<uint32_t, uint8_t> data_;
  int pass_ = 1;
  bool text_ = true;
  int pc_ = 0;
  int loc_ = 0;
};

isa::Program AssembleLines(const std::vector<std::string>& stack_root, const std::string& text, const std::string& name,
                           const Origin& origin, const AsmOptions& options) {
  std::vector<std::string> stack = stack_root;
  std::vector<SourceLine> lines;
  if (!options.prelude.empty()) {
    LoadLines(options.prelude, options.prelude_name, Origin{std::filesystem::current_path(), false}, options, stack,
              lines);
  }
  LoadLines(text, name, origin, options, stack, lines);
  Assembler as(options);
  return as.Run(lines);
}

}  // namespace

isa::Program AssembleFile(const std::string& path, const AsmOptions& options) {
  const std::string text = io::ReadFile(path);  // throws naming the file: nothing to point at yet
  if (options.files_read != nullptr) options.files_read->push_back(path);
  return AssembleLines({std::filesystem::weakly_canonical(path).string()}, text, path,
                       Origin{std::filesystem::path(path).parent_path(), false}, options);
}

isa::Program AssembleBuiltIn(const std::string& name, const AsmOptions& options) {
  const std::string* text = firmware::FindBuiltIn(name);
  if (text == nullptr) throw AsmError("firmware/" + name, 0, 0, "no such built-in program");
  return AssembleLines({"built-in:" + name}, *text, "firmware/" + name,
                       Origin{std::filesystem::path(name).parent_path(), true}, options);
}

isa::Program AssembleText(const std::string& text, const std::string& name, const AsmOptions& options) {
  return AssembleLines({}, text, name, Origin{std::filesystem::current_path(), false}, options);
}

std::string Listing(const isa::Program& program) {
  std::string out;
  for (size_t pc = 0; pc < program.code.size(); ++pc) {
    out += fmt::format("{:5}: {:08x}  {}\n", pc, program.code[pc],
                       isa::Disassemble(program.code[pc], static_cast<uint32_t>(pc)));
  }
  return out;
}

}  // namespace wafersim::assembler
