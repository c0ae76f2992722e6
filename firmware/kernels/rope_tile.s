# A tile of the RoPE plan (rotary position embedding, interleaved pairs, docs/mapping.md): the
# tile's piece of x is M pairs (x_e, x_o), the host's table beside it the cos and sin of each
# pair's angle, interleaved the same way. Six tensor passes, every operand with stride 2, turn
# each pair in place:
#   y_e = x_e cos - x_o sin,   y_o = x_e sin + x_o cos
# No routes.
#
# Parameters:
#   M                 pairs in the tile's piece
#   XADDR             the pairs; y is written over them
#   CSADDR            cos and sin of each pair's angle, interleaved (the sins are overwritten)
#   TADDR             scratch, one word in two (M words used)
#   STAMPS            one cycle stamp
main:   li      r3, 2
        li      r4, M
        li      r5, XADDR
        dmem    d1, r5, r4, r3, f32     # x_e
        li      r5, XADDR+4
        dmem    d2, r5, r4, r3, f32     # x_o
        li      r5, CSADDR
        dmem    d3, r5, r4, r3, f32     # cos
        li      r5, CSADDR+4
        dmem    d4, r5, r4, r3, f32     # sin
        li      r5, TADDR
        dmem    d5, r5, r4, r3, f32     # scratch
        lif     r6, -1.0
        tfmul   d5, d2, d4              # t = x_o sin
        tfmul   d4, d1, d4              # x_e sin, over sin (x_e is about to go)
        tfmul   d1, d1, d3              # x_e cos
        tfmac   d1, d1, d5, r6          # y_e = x_e cos - t, one rounding
        tfmul   d2, d2, d3              # x_o cos
        tfadd   d2, d2, d4              # y_o = x_o cos + x_e sin
        csrr    r10, cycle
        sw      r10, STAMPS(r0)
        halt
