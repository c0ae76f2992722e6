# A tile of the scaled_dot plan (plan.toml, docs/plans.md): s = alpha * (u . v) and
# z = alpha * u + v over a row of tiles. Each tile takes its piece of u from the north, keeps
# it, holds its piece of v, leaves its piece of z in its SRAM, and adds its part of u . v to
# the sum that comes from the west; the east end scales the sum by alpha and sends it on
# east, out of the region. Routes are the plan's (set up before main).
#
# Parameters:
#   N                  elements of u, v and z on this tile
#   UADDR, VADDR, ZADDR  u's piece (as it arrives), v's piece, z's piece (binary32)
#   ALPHA              the word holding alpha (binary32)
#   COLOR_U            u's color
#   FIRST              1 at the west end: no sum comes from the west
#   LAST               1 at the east end: the sum leaves scaled by alpha
#   COLOR_WEST         the sum's color from the west (when FIRST is 0)
#   COLOR_EAST         the sum's color to the east
        .text
main:   li      r3, 1
        li      r4, N
        dfab    d1, COLOR_U, r4, in, f32    # u's piece, from the north
        li      r5, UADDR
        dmem    d2, r5, r4, r3, f32
        tfmov   d2, d1                      # kept in SRAM
        li      r5, VADDR
        dmem    d3, r5, r4, r3, f32
        tfdot   r9, d2, d3                  # this tile's part of u . v
        lw      r6, ALPHA(r0)
        li      r5, ZADDR
        dmem    d4, r5, r4, r3, f32
        tfmac   d4, d3, d2, r6              # z = u * alpha + v
        .if     1 - FIRST                   # not the west end:
        recv    r10, COLOR_WEST             # the sum so far
        fadd    r9, r10, r9
        .endif
        .if     LAST
        fmul    r9, r9, r6
        .endif
        send    r9, COLOR_EAST
        halt
