# Example for `wafersim tile`: the dot product of a local vector with a stream arriving on
# color 1 from the West link.
#   build/wafersim tile firmware/examples/stream_dot.s --feed 1:1.0,1.0,1.0,1.0,2.0,2.0,2.0,2.0 --trace t.fst
# leaves r6 = 62.0 (0x42780000).
        li      r1, 1
        li      r2, 8 | (16 << 5)       # color 1: West -> core
        rcfg    r1, 4, r0
        rcfg    r1, 0, r2
        li      r3, 8
        li      r4, 1
        li      r5, x
        dmem    d1, r5, r3, r4, f32
        dfab    d2, 1, r3, in, f32
        tfdot   r6, d1, d2
        halt
        .data
x:      .float  1, 2, 3, 4, 5, 6, 7, 8
