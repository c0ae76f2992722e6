# A tile of the argmax column (docs/mapping.md, "The model's head"): the logits of one row of
# the output head's GEMV arrive from the west; the tile finds their largest and the first
# index holding it, takes the pair from the tile above (the earlier rows: lower indices), keeps
# the larger (the earlier on a tie, as the reference does), and sends the pair south. The last
# tile's pair, [largest logit, its index as binary32], is the token the model chose.
#
# Parameters:
#   N                 logits in the tile's row (at least 1)
#   FIRST             the row's first logit's index in the vocabulary
#   XADDR             where the row's logits are kept
#   COLOR_IN          the logits' color (from the west)
#   FROM_NORTH        1: the pair of the rows above arrives on COLOR_PAIR (from the north)
#   COLOR_PAIR        (with FROM_NORTH)
#   COLOR_OUT         the pair leaves south on it
#   STAMPS            one cycle stamp
main:   li      r3, 1
        li      r4, N
        dfab    d3, COLOR_IN, r4, in, f32
        li      r5, XADDR
        dmem    d1, r5, r4, r3, f32
        tfmov   d1, d3
        tfmaxr  r6, d1
        # The first element equal to the largest. The scan stops at the row's end, so logits
        # that are all NaN (no element equals the largest) give index FIRST + N, out of range,
        # which the check reports, rather than a tile that never halts.
        li      r7, FIRST
        li      r13, FIRST+N
scan:   lw      r8, 0(r5)
        feq     r9, r8, r6
        bne     r9, r0, found
        addi    r5, r5, 4
        addi    r7, r7, 1
        blt     r7, r13, scan
found:  fcvt.s.w r7, r7
        .if     FROM_NORTH
        recv    r10, COLOR_PAIR
        recv    r11, COLOR_PAIR
        flt     r12, r10, r6          # ours only when strictly larger: the earlier index wins a tie
        bne     r12, r0, mine
        mv      r6, r10
        mv      r7, r11
mine:
        .endif
        send    r6, COLOR_OUT
        send    r7, COLOR_OUT
        csrr    r10, cycle
        sw      r10, STAMPS(r0)
        halt
