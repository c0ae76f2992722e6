// Directed tests of one RTL router: routes, multicast, switch positions, backpressure,
// color isolation, reset, dynamic routing, wormhole, arbitration and error flags.
#include <catch2/catch.hpp>

#include <map>

#include "common/single_router.h"

using namespace wafersim;
using namespace wafersim::tb;
using noc::Dir;

namespace {
const Dir kAll[] = {Dir::North, Dir::East, Dir::South, Dir::West, Dir::Local};

// Sends `count` wavelets on `color` from `in`, one per cycle while credits allow.
void Stream(SingleRouter& r, Dir in, int color, int count, uint32_t base = 0, int max_cycles = 1000) {
  int sent = 0;
  for (int cycle = 0; sent < count && cycle < max_cycles; ++cycle) {
    if (r.Port(in).CanSend(color)) r.Port(in).Send(Data(color, base + static_cast<uint32_t>(sent++)));
    r.Step();
  }
  REQUIRE(sent == count);
}
}  // namespace

TEST_CASE("static route: every input reaches every other output, in order, one cycle per router",
          "[router]") {
  for (Dir in : kAll) {
    for (Dir out : kAll) {
      if (in == out) continue;
      SingleRouter r;
      r.Static(3, Ports({in}), Ports({out}));
      const uint64_t start = r.Mesh().Cycle();
      r.Port(in).Send(Data(3, 0xA000));
      r.Run(1);
      Stream(r, in, 3, 5, 0xA001);
      r.Run(4);
      INFO("from " << noc::DirName(in) << " to " << noc::DirName(out));
      REQUIRE(r.Out(out).size() == 6);
      // Written into the input buffer in the first cycle, through the output register in
      // the second: the router adds one cycle.
      CHECK(r.Out(out)[0].cycle == start + 2);
      for (size_t i = 0; i < 6; ++i) CHECK(r.Out(out)[i].wavelet.data == 0xA000 + i);
      for (Dir other : kAll) {
        if (other != out) CHECK(r.Out(other).empty());
      }
      CHECK(r.Mesh().Errors(0, 0) == 0);
    }
  }
}

TEST_CASE("multicast delivers each wavelet once to every listed output", "[router]") {
  SingleRouter r;
  r.Static(1, Ports({Dir::West}), Ports({Dir::East, Dir::South, Dir::Local}));
  Stream(r, Dir::West, 1, 20, 100);
  r.Run(5);
  for (Dir out : {Dir::East, Dir::South, Dir::Local}) {
    REQUIRE(r.Out(out).size() == 20);
    for (size_t i = 0; i < 20; ++i) CHECK(r.Out(out)[i].wavelet.data == 100 + i);
  }
  CHECK(r.Out(Dir::North).empty());
  CHECK(r.Out(Dir::West).empty());
}

TEST_CASE("multicast waits for a stalled branch, then completes without duplicates", "[router]") {
  SingleRouter r;
  r.Static(1, Ports({Dir::West}), Ports({Dir::East, Dir::Local}));
  r.Port(Dir::East).SetAccepting(false);
  Stream(r, Dir::West, 1, 4, 0);  // East's 4 credits are used by these
  r.Run(3);
  r.Port(Dir::West).Send(Data(1, 4));
  r.Run(10);
  CHECK(r.Out(Dir::East).size() == 4);
  CHECK(r.Out(Dir::Local).size() == 5);  // the fifth reached Local and waits for East
  r.Port(Dir::East).SetAccepting(true);
  r.Run(10);
  REQUIRE(r.Out(Dir::East).size() == 5);
  REQUIRE(r.Out(Dir::Local).size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CHECK(r.Out(Dir::East)[i].wavelet.data == i);
    CHECK(r.Out(Dir::Local)[i].wavelet.data == i);
  }
}

TEST_CASE("control wavelets advance the switch position after they pass, and wrap", "[router]") {
  SingleRouter r;
  r.Static(2, Ports({Dir::West}), Ports({Dir::East}), 0, 1);
  r.Mesh().SetStaticRoute(0, 0, 2, 1, Ports({Dir::West}), Ports({Dir::South}));
  r.Mesh().FlushConfig();
  auto send = [&](uint32_t v, bool ctrl) {
    while (!r.Port(Dir::West).CanSend(2)) r.Step();
    r.Port(Dir::West).Send(Data(2, v, ctrl));
    r.Step();
  };
  send(1, false);
  send(2, true);  // goes East, then switches to position 1
  send(3, false);
  send(4, true);  // goes South, then wraps to position 0
  send(5, false);
  r.Run(6);
  REQUIRE(r.Out(Dir::East).size() == 3);
  REQUIRE(r.Out(Dir::South).size() == 2);
  CHECK(r.Out(Dir::East)[0].wavelet.data == 1);
  CHECK(r.Out(Dir::East)[1].wavelet.data == 2);
  CHECK(r.Out(Dir::East)[1].wavelet.ctrl);
  CHECK(r.Out(Dir::South)[0].wavelet.data == 3);
  CHECK(r.Out(Dir::South)[1].wavelet.data == 4);
  CHECK(r.Out(Dir::East)[2].wavelet.data == 5);
}

TEST_CASE("a position that does not accept an input holds its wavelets until it does", "[router]") {
  SingleRouter r;
  // Position 0 listens to West, position 1 to North; both go East.
  r.Static(0, Ports({Dir::West}), Ports({Dir::East}), 0, 1);
  r.Mesh().SetStaticRoute(0, 0, 0, 1, Ports({Dir::North}), Ports({Dir::East}));
  r.Mesh().FlushConfig();
  r.Port(Dir::North).Send(Data(0, 7));
  r.Run(5);
  CHECK(r.Out(Dir::East).empty());
  r.Port(Dir::West).Send(Data(0, 8, true));
  r.Run(6);
  REQUIRE(r.Out(Dir::East).size() == 2);
  CHECK(r.Out(Dir::East)[0].wavelet.data == 8);
  CHECK(r.Out(Dir::East)[1].wavelet.data == 7);
}

TEST_CASE("backpressure stalls on credits and resumes without loss", "[router]") {
  SingleRouter r(4);
  r.Static(0, Ports({Dir::West}), Ports({Dir::Local}));
  r.Port(Dir::Local).SetAccepting(false);
  int sent = 0;
  for (int cycle = 0; cycle < 50; ++cycle) {
    if (r.Port(Dir::West).CanSend(0)) r.Port(Dir::West).Send(Data(0, static_cast<uint32_t>(sent++)));
    r.Step();
  }
  // 4 wavelets hold the sink's slots, 4 fill the input buffer: then the sender has no credit.
  CHECK(r.Out(Dir::Local).size() == 4);
  CHECK(sent == 8);
  CHECK(r.Port(Dir::West).Credits(0) == 0);
  r.Port(Dir::Local).SetAccepting(true);
  for (int cycle = 0; cycle < 100; ++cycle) {
    if (sent < 30 && r.Port(Dir::West).CanSend(0)) {
      r.Port(Dir::West).Send(Data(0, static_cast<uint32_t>(sent++)));
    }
    r.Step();
  }
  REQUIRE(r.Out(Dir::Local).size() == 30);
  for (size_t i = 0; i < 30; ++i) CHECK(r.Out(Dir::Local)[i].wavelet.data == i);
  CHECK(r.Port(Dir::West).Credits(0) == 4);
}

TEST_CASE("a backed-up color does not block another color on the same input", "[router]") {
  SingleRouter r(4);
  r.Static(0, Ports({Dir::West}), Ports({Dir::East}));
  r.Static(1, Ports({Dir::West}), Ports({Dir::Local}));
  r.Port(Dir::East).SetAccepting(false);
  Stream(r, Dir::West, 0, 8);  // fills East's credits and the West buffer of color 0
  CHECK_FALSE(r.Port(Dir::West).CanSend(0));
  const size_t before = r.Out(Dir::Local).size();
  Stream(r, Dir::West, 1, 40, 1000, 41);  // one per cycle: color 1 runs at full rate
  r.Run(3);
  CHECK(r.Out(Dir::Local).size() - before == 40);
  CHECK(r.Out(Dir::East).size() == 4);
}

TEST_CASE("reset in the middle of traffic empties the router and restores credits", "[router]") {
  SingleRouter r(4);
  r.Static(0, Ports({Dir::West}), Ports({Dir::East}));
  r.Port(Dir::East).SetAccepting(false);
  Stream(r, Dir::West, 0, 8);
  CHECK(r.Mesh().AnyBuffered());
  r.Mesh().Reset();
  r.ClearOutputs();
  CHECK_FALSE(r.Mesh().AnyBuffered());
  r.Run(5);
  CHECK(r.Out(Dir::East).empty());  // nothing from before the reset comes out after it
  CHECK(r.Port(Dir::West).Credits(0) == 4);
  // Routes were reset too: configure again and the router works as new.
  r.Static(0, Ports({Dir::West}), Ports({Dir::East}));
  Stream(r, Dir::West, 0, 10, 50);
  r.Run(4);
  REQUIRE(r.Out(Dir::East).size() == 10);
  for (size_t i = 0; i < 10; ++i) CHECK(r.Out(Dir::East)[i].wavelet.data == 50 + i);
}

TEST_CASE("dynamic heads route X first, then Y, then to Local", "[router]") {
  struct Case {
    int dx, dy;
    Dir out;
  };
  const Case cases[] = {{9, 5, Dir::East},  {2, 5, Dir::West},  {9, 0, Dir::East},
                        {5, 9, Dir::South}, {5, 1, Dir::North}, {5, 5, Dir::Local},
                        {0, 9, Dir::West}};
  for (const Case& c : cases) {
    SingleRouter r;
    r.Dynamic(4);
    Wavelet h;
    h.color = 4;
    h.head = h.tail = true;
    h.data = noc::DynamicHeadPayload(c.dx, c.dy, 77);
    r.Port(Dir::Local).Send(h);
    r.Run(3);
    INFO("destination (" << c.dx << "," << c.dy << ")");
    REQUIRE(r.Out(c.out).size() == 1);
    CHECK(noc::HeadTag(r.Out(c.out)[0].wavelet.data) == 77);
  }
}

TEST_CASE("wormhole: packets competing for an output on one color never interleave", "[router]") {
  SingleRouter r(4);
  r.Dynamic(0);
  const Dir ins[] = {Dir::West, Dir::North, Dir::South};
  int next[3] = {0, 0, 0};
  for (int cycle = 0; cycle < 200; ++cycle) {
    for (int i = 0; i < 3; ++i) {
      if (next[i] >= 12 || !r.Port(ins[i]).CanSend(0)) continue;
      const int pkt = next[i] / 4, idx = next[i] % 4;
      Wavelet w;
      w.color = 0;
      w.head = idx == 0;
      w.tail = idx == 3;
      w.data = w.head ? noc::DynamicHeadPayload(9, 5, 0) : static_cast<uint32_t>(i * 100 + pkt * 10 + idx);
      r.Port(ins[i]).Send(w);
      ++next[i];
    }
    r.Step();
  }
  const auto& east = r.Out(Dir::East);
  REQUIRE(east.size() == 36);
  std::map<int, int> packets_from;
  for (size_t k = 0; k < east.size(); k += 4) {
    REQUIRE(east[k].wavelet.head);
    const uint32_t first = east[k + 1].wavelet.data;
    for (size_t j = 1; j < 4; ++j) {
      CHECK(east[k + j].wavelet.data == first + j - 1);  // the same packet, in order
      CHECK(east[k + j].wavelet.head == false);
    }
    CHECK(east[k + 3].wavelet.tail);
    packets_from[static_cast<int>(first / 100)]++;
  }
  CHECK(packets_from[0] == 3);
  CHECK(packets_from[1] == 3);
  CHECK(packets_from[2] == 3);
}

TEST_CASE("round-robin arbitration shares an output equally among saturating inputs", "[router]") {
  SingleRouter r(4);
  // One static color merging four inputs into East.
  r.Static(0, Ports({Dir::North, Dir::South, Dir::West, Dir::Local}), Ports({Dir::East}));
  const Dir ins[] = {Dir::North, Dir::South, Dir::West, Dir::Local};
  for (int cycle = 0; cycle < 420; ++cycle) {
    for (int i = 0; i < 4; ++i) {
      if (r.Port(ins[i]).CanSend(0)) r.Port(ins[i]).Send(Data(0, static_cast<uint32_t>(i)));
    }
    r.Step();
  }
  const auto& east = r.Out(Dir::East);
  CHECK(east.size() >= 410);  // the output is busy every cycle once traffic starts
  int share[4] = {0, 0, 0, 0};
  for (size_t k = 20; k < 420 && k < east.size(); ++k) share[east[k].wavelet.data]++;
  for (int i = 0; i < 4; ++i) {
    INFO("input " << i);
    CHECK(std::abs(share[i] - share[0]) <= 1);
  }
}

TEST_CASE("illegal route writes and bad wavelets raise the router's error flags", "[router]") {
  SECTION("a wavelet sent back where it came from") {
    SingleRouter r;
    r.Static(0, Ports({Dir::West}), Ports({Dir::West, Dir::East}));
    CHECK(r.Mesh().Errors(0, 0) == 1u << 0);
    CHECK_THAT(r.Mesh().ErrorReport(), Catch::Contains("illegal route write"));
  }
  SECTION("accepted with nowhere to go") {
    SingleRouter r;
    r.Static(0, Ports({Dir::West}), 0);
    CHECK(r.Mesh().Errors(0, 0) == 1u << 0);
  }
  SECTION("a color the router does not implement") {
    SingleRouter r;
    r.Mesh().SetColorMode(0, 0, noc::CompiledColors(), true);
    r.Mesh().FlushConfig();
    CHECK(r.Mesh().Errors(0, 0) == 1u << 0);
  }
  SECTION("a dynamic body wavelet without a head is flagged and dropped") {
    SingleRouter r;
    r.Dynamic(0);
    r.Port(Dir::West).Send(Data(0, 5));
    r.Run(4);
    CHECK(r.Mesh().Errors(0, 0) == 1u << 2);
    CHECK_FALSE(r.Mesh().AnyBuffered());
  }
  SECTION("legal configuration raises nothing") {
    SingleRouter r;
    r.Static(0, Ports({Dir::West, Dir::North}), Ports({Dir::East, Dir::Local}));
    r.Dynamic(1);
    CHECK(r.Mesh().Errors(0, 0) == 0);
  }
}

TEST_CASE("the RTL's assertions catch a credit returned that was never taken", "[router]") {
  SingleRouter r;
  r.Static(0, Ports({Dir::West}), Ports({Dir::East}));
  r.Port(Dir::East).InjectBogusCredit(0);
  CHECK_THROWS_WITH(r.Run(2), Catch::Contains("RTL assertion failed"));
}
