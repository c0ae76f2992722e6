#include "tile/program_gen.h"

#include <random>
#include <sstream>

#include <fmt/format.h>

#include "isa/fp.h"

namespace wafersim::tb {

namespace {

// Colors the preamble routes: 0 and 1 from West to the core, 2 and 3 from the core to East.
constexpr int kTaskColor = 0;   // bound to the data task
constexpr int kInColor = 1;     // recv and fabric-in streams
constexpr int kDataBytes = 8192;
// Arrays live in three regions so a destination never overlaps another operand.
constexpr int kRegionA = 0, kRegionB = 2048, kRegionD = 4096, kRegionSize = 2048;

class Generator {
 public:
  Generator(uint64_t seed, const ProgramGenOptions& opt) : rng_(seed), opt_(opt) {}

  GeneratedProgram Run() {
    const bool tasks = Chance(opt_.task_probability);
    Line("main:");
    Preamble();
    for (int r = 1; r <= 12; ++r) {
      if (r == 8 || r == 9) continue;  // task counters
      Line(fmt::format("        li      r{}, 0x{:08x}", r, RandomValue()));
    }
    Line("        li      r8, 0");
    Line("        li      r9, 0");
    Line("        li      r13, 0");
    if (tasks) {
      Line(fmt::format("        tbind   t1, {}, handler, data", kTaskColor));
      Line("        tbind   t2, 5, control_handler, control");
    }
    Body(Range(opt_.body_min, opt_.body_max));
    if (Chance(opt_.error_probability)) {
      Error();
      if (tasks) {
        Line("handler:");
        Line("control_handler:");
        Line("        tdone");
      }
    } else if (tasks) {
      const int activations = Range(1, 5);
      for (int i = 0; i < activations; ++i) Feed(kTaskColor, static_cast<uint32_t>(rng_()));
      if (Chance(0.5)) {
        noc::Wavelet c;
        c.color = kInColor;
        c.ctrl = true;
        c.data = 2;  // activates task 2
        out_.feed.push_back(c);
      }
      Line("        tdone");
      Line("handler:");
      Line("        csrr    r10, taskdata");
      Body(Range(2, 10), /*simple_only=*/true);
      Line("        addi    r9, r9, 1");
      Line(fmt::format("        li      r8, {}", activations));
      Line("        beq     r9, r8, finish");
      Line("        tdone");
      Line("control_handler:");
      Line("        csrr    r11, task");
      Body(Range(1, 5), /*simple_only=*/true);
      Line("        tdone");
      Line("finish:");
      Line("        halt");
    } else {
      Line("        halt");
    }
    DataSection();
    out_.source = src_.str();
    return out_;
  }

 private:
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int Range(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  void Line(const std::string& s) { src_ << s << "\n"; }
  int Dst() {
    static const int kDst[] = {1, 2, 3, 4, 5, 6, 7, 10, 11, 12};
    return kDst[Range(0, 9)];
  }
  int Src() { return Range(0, 13); }

  uint32_t RandomValue() {
    static const uint32_t kInteresting[] = {
        0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000,
        0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0x3c003c00, 0x40490fdb, 0xffffffff,
        0x0000ffff, 0x7fffffff};
    switch (Range(0, 3)) {
      case 0: return kInteresting[Range(0, 15)];
      case 1: return isa::AsBits(std::uniform_real_distribution<float>(-100.f, 100.f)(rng_));
      case 2: return static_cast<uint32_t>(Range(-1000, 1000));
      default: return static_cast<uint32_t>(rng_());
    }
  }

  void Feed(int color, uint32_t data) {
    noc::Wavelet w;
    w.color = static_cast<uint8_t>(color);
    w.data = data;
    out_.feed.push_back(w);
  }

  void Preamble() {
    // rcfg: mode first (static, position 0), then position 0's rx and tx ports.
    const uint32_t west_to_core = noc::PositionWord(noc::PortBit(noc::Dir::West), noc::PortBit(noc::Dir::Local));
    const uint32_t core_to_east = noc::PositionWord(noc::PortBit(noc::Dir::Local), noc::PortBit(noc::Dir::East));
    for (int c = 0; c < 4; ++c) {
      Line(fmt::format("        li      r1, {}", c));
      Line("        rcfg    r1, 4, r0");
      Line(fmt::format("        li      r2, {}", c < 2 ? west_to_core : core_to_east));
      Line("        rcfg    r1, 0, r2");
    }
  }

  void Simple() {
    static const char* const kAlu[] = {"add", "sub", "and", "or", "xor", "sll", "srl", "sra", "slt", "sltu", "mul"};
    static const char* const kAluI[] = {"addi", "andi", "ori", "xori", "slti"};
    static const char* const kShiftI[] = {"slli", "srli", "srai"};
    static const char* const kFp[] = {"fadd", "fsub", "fmul", "fmax", "fmin", "flt", "fle", "feq"};
    static const char* const kCvt[] = {"fcvt.s.w", "fcvt.w.s", "fcvt.s.h", "fcvt.h.s"};
    static const char* const kLoad[] = {"lw", "lhu"};
    static const char* const kCsr[] = {"x", "y", "task", "taskdata", "instret", "err", "cycle", "cycleh"};
    switch (Range(0, 9)) {
      case 0:
      case 1: Line(fmt::format("        {} r{}, r{}, r{}", kAlu[Range(0, 10)], Dst(), Src(), Src())); break;
      case 2: Line(fmt::format("        {} r{}, r{}, {}", kAluI[Range(0, 4)], Dst(), Src(), Range(-131072, 131071))); break;
      case 3: Line(fmt::format("        {} r{}, r{}, {}", kShiftI[Range(0, 2)], Dst(), Src(), Range(0, 31))); break;
      case 4: Line(fmt::format("        lui r{}, 0x{:x}", Dst(), Range(0, (1 << 22) - 1))); break;
      case 5: Line(fmt::format("        {} r{}, r{}, r{}", kFp[Range(0, 7)], Dst(), Src(), Src())); break;
      case 6:
        if (Chance(0.5)) Line(fmt::format("        {} r{}, r{}", kCvt[Range(0, 3)], Dst(), Src()));
        else Line(fmt::format("        ffma r{}, r{}, r{}, r{}", Dst(), Src(), Src(), Src()));
        break;
      case 7: {
        const bool word = Chance(0.5);
        const int off = word ? Range(0, kDataBytes / 4 - 1) * 4 : Range(0, kDataBytes / 2 - 1) * 2;
        if (Chance(0.5)) {
          Line(fmt::format("        {} r{}, {}(r13)", word ? kLoad[0] : kLoad[1], Dst(), off));
        } else {
          Line(fmt::format("        {} r{}, {}(r13)", word ? "sw" : "sh", Src(), off));
        }
        break;
      }
      case 8: Line(fmt::format("        csrr r{}, {}", Dst(), kCsr[Range(0, 7)])); break;
      default: {
        // Packet bits too: static colors 2 and 3 carry them to East unchanged, so a wrong bit shows.
        static const char* const kBits[] = {"", ", head", ", tail", ", head, tail"};
        Line(fmt::format("        send r{}, {}{}", Src(), Range(2, 3), kBits[Range(0, 3)]));
        break;
      }
    }
  }

  // An array descriptor of n elements inside [region, region + kRegionSize).
  void Array(int desc, int region, int n, bool f16) {
    const int size = f16 ? 2 : 4;
    int stride = Range(1, 3);
    if (Chance(0.2)) stride = -stride;
    const int span = (n > 0 ? n - 1 : 0) * std::abs(stride) * size + size;
    const int room = (kRegionSize - span) / size;
    int base = region + Range(0, std::max(0, room)) * size;
    if (stride < 0) base += (n > 0 ? n - 1 : 0) * -stride * size;
    Line(fmt::format("        li      r10, {}", base));
    Line(fmt::format("        li      r11, {}", n));
    Line(fmt::format("        li      r12, {}", stride));
    Line(fmt::format("        dmem    d{}, r10, r11, r12, {}", desc, f16 ? "f16" : "f32"));
  }

  void TensorOp() {
    static const char* const kFns[] = {"tfmac", "tfadd", "tfmul", "tfmuls", "tfadds", "tfmax", "tfmov",
                                       "tfdot", "tfsum", "tfmaxr"};
    const int fn = Range(0, 9);
    const bool has_b = fn == 0 || fn == 1 || fn == 2 || fn == 5 || fn == 7;
    const bool reduction = fn >= 7;
    const int n = Range(0, 24);
    const bool all_f16 = Chance(0.35);
    auto f16 = [&] { return all_f16 || Chance(0.3); };
    // Source A: an array, or sometimes a fabric-in stream.
    bool a_array = true;
    if (!reduction || Chance(0.8)) {
      if (Chance(0.15)) {
        a_array = false;
        const bool half = f16();
        Line(fmt::format("        li      r11, {}", n));
        Line(fmt::format("        dfab    d1, {}, r11, in, {}", kInColor, half ? "f16" : "f32"));
        for (int i = 0; i < n; ++i) Feed(kInColor, half ? isa::F32ToF16(RandomValue()) | 0xbeef0000u : RandomValue());
      } else {
        Array(1, kRegionA, n, f16());
      }
    } else {
      Array(1, kRegionA, n, f16());
    }
    if (has_b) Array(2, kRegionB, n, f16());
    bool in_place = false;
    if (!reduction) {
      if (Chance(0.15)) {
        const bool half = f16();
        Line(fmt::format("        li      r11, {}", n));
        Line(fmt::format("        dfab    d3, {}, r11, out, {}", Range(2, 3), half ? "f16" : "f32"));
      } else if (a_array && Chance(0.2)) {
        in_place = true;  // D is A itself
      } else {
        Array(3, kRegionD, n, f16());
      }
    }
    const std::string dd = in_place ? "d1" : "d3";
    switch (fn) {
      case 0: Line(fmt::format("        tfmac   {}, d1, d2, r{}", dd, Src())); break;
      case 1: Line(fmt::format("        tfadd   {}, d1, d2", dd)); break;
      case 2: Line(fmt::format("        tfmul   {}, d1, d2", dd)); break;
      case 3: Line(fmt::format("        tfmuls  {}, d1, r{}", dd, Src())); break;
      case 4: Line(fmt::format("        tfadds  {}, d1, r{}", dd, Src())); break;
      case 5: Line(fmt::format("        tfmax   {}, d1, d2", dd)); break;
      case 6: Line(fmt::format("        tfmov   {}, d1", dd)); break;
      case 7: Line(fmt::format("        tfdot   r{}, d1, d2", Dst())); break;
      case 8: Line(fmt::format("        tfsum   r{}, d1", Dst())); break;
      default: Line(fmt::format("        tfmaxr  r{}, d1", Dst())); break;
    }
  }

  void Body(int count, bool simple_only = false) {
    for (int i = 0; i < count; ++i) {
      const int kind = simple_only ? 0 : Range(0, 9);
      if (kind <= 4) {
        Simple();
      } else if (kind <= 6) {
        TensorOp();
      } else if (kind == 7) {
        Line(fmt::format("        recv    r{}, {}", Dst(), kInColor));
        Feed(kInColor, RandomValue());
      } else if (kind == 8) {
        static const char* const kBr[] = {"beq", "bne", "blt", "bge", "bltu", "bgeu"};
        const int label = labels_++;
        Line(fmt::format("        {} r{}, r{}, skip{}", kBr[Range(0, 5)], Src(), Src(), label));
        for (int k = Range(1, 3); k > 0; --k) Simple();
        Line(fmt::format("skip{}:", label));
      } else {
        const int label = labels_++;
        Line(fmt::format("        li      r14, {}", Range(1, 4)));
        Line(fmt::format("loop{}:", label));
        for (int k = Range(1, 3); k > 0; --k) Simple();
        Line("        addi    r14, r14, -1");
        Line(fmt::format("        bne     r14, r0, loop{}", label));
      }
    }
  }

  void Error() {
    out_.expects_error = true;
    switch (Range(0, 4)) {
      case 0: Line("        lw      r1, 2(r13)"); break;                 // misaligned
      case 1: Line(fmt::format("        lw      r1, {}(r13)", 48 * 1024)); break;  // out of range
      case 2: Line("        .word   0xfc000000"); break;                 // illegal
      case 3:
        Line("        li      r10, 0");
        Line("        li      r11, 8");
        Line("        li      r12, 1");
        Line("        dmem    d1, r10, r11, r12, f32");
        Line("        li      r11, 4");
        Line("        dmem    d2, r10, r11, r12, f32");
        Line("        li      r10, 4096");
        Line("        li      r11, 8");
        Line("        dmem    d3, r10, r11, r12, f32");
        Line("        tfadd   d3, d1, d2");                               // B too short
        break;
      default:
        Line("        li      r10, 0");
        Line("        li      r11, 8");
        Line("        li      r12, 1");
        Line("        dmem    d1, r10, r11, r12, f32");
        Line("        li      r10, 4");
        Line("        dmem    d3, r10, r11, r12, f32");
        Line("        tfmov   d3, d1");                                   // overlapping
        break;
    }
    Line("        halt");
  }

  void DataSection() {
    Line("        .data");
    for (int w = 0; w < kDataBytes / 4; w += 8) {
      std::string line = "        .word   ";
      for (int k = 0; k < 8; ++k) {
        uint32_t v = RandomValue();
        if (Chance(0.25)) v = isa::F32ToF16(RandomValue()) | (static_cast<uint32_t>(isa::F32ToF16(RandomValue())) << 16);
        line += fmt::format("{}0x{:08x}", k ? ", " : "", v);
      }
      Line(line);
    }
  }

  std::mt19937_64 rng_;
  ProgramGenOptions opt_;
  std::ostringstream src_;
  GeneratedProgram out_;
  int labels_ = 0;
};

}  // namespace

GeneratedProgram GenerateProgram(uint64_t seed, const ProgramGenOptions& options) {
  return Generator(seed, options).Run();
}

}  // namespace wafersim::tb
