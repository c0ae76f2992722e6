# A tile of the RMSNorm plan (y = x / rms(x) * g per token, docs/mapping.md): its rows of x
# (one per token, NC elements each), the squares summed along the region row, the last
# column's 1/sqrt(s/d + eps) sent back, then each row scaled in place. Routes are the plan's
# (set up before main).
#
# Parameters:
#   NC, NR            elements per row (this tile's piece of d), rows (tokens)
#   XADDR, ROW        x's first row and the bytes from one row to the next (y overwrites x)
#   GADDR             g's piece
#   SADDR, IADDR      the rows' sums of squares, their inverses
#   STAMPS            four cycle stamps, one per phase
#   FIRST, LAST       1 in the region row's first (last) column
#   MULTI             1 when the region row has more than one column
#   COLOR_WEST        the sums so far, from the previous column (when FIRST is 0)
#   COLOR_EAST        the sums, on to the next column (when LAST is 0)
#   COLOR_INV         the inverses, back from the last column
#   INV_D, EPS        1/d and eps, binary32 bits (the last column uses them)
#   STREAM_IN         1: x's rows arrive on COLOR_IN first (a chained input)
#   STREAM_OUT        1: y's rows leave on COLOR_OUT at the end (a chained output)
        .text
main:
        .if     STREAM_IN
        li      r3, 1
        li      r4, NC
        li      r5, XADDR
        li      r6, ROW
        li      r8, NR
xin:    dfab    d1, COLOR_IN, r4, in, f32
        dmem    d2, r5, r4, r3, f32
        tfmov   d2, d1
        add     r5, r5, r6
        addi    r8, r8, -1
        bne     r8, r0, xin
        .endif
        # Phase sum_squares: s_t = x_t . x_t.
        li      r3, 1
        li      r4, NC
        li      r5, XADDR
        dmem    d1, r5, r4, r3, f32
        li      r6, ROW
        li      r7, SADDR
        li      r8, NR
sq:     tfdot   r9, d1, d1
        sw      r9, 0(r7)
        addi    r7, r7, 4
        dadd    d1, r6
        addi    r8, r8, -1
        bne     r8, r0, sq
        csrr    r10, cycle
        sw      r10, STAMPS(r0)
        # Phase row_reduction: the sums so far come from the west, this tile's are added, on east.
        li      r8, NR
        li      r5, SADDR
        dmem    d2, r5, r8, r3, f32
        .if     FIRST
        .else
        dfab    d3, COLOR_WEST, r8, in, f32
        tfadd   d2, d3, d2
        .endif
        .if     LAST
        .else
        dfab    d4, COLOR_EAST, r8, out, f32
        tfmov   d4, d2
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+4(r0)
        # Phase inverse_rms: the last column computes 1/sqrt(s/d + eps) and sends it west.
        li      r5, IADDR
        dmem    d5, r5, r8, r3, f32
        .if     LAST
        li      r12, INV_D
        li      r13, EPS
        li      r8, SADDR
        li      r9, NR
inv:    lw      r1, 0(r8)
        fmul    r1, r1, r12
        fadd    r1, r1, r13
        call    rsqrt_f32
        sw      r1, IADDR-SADDR(r8)
        addi    r8, r8, 4
        addi    r9, r9, -1
        bne     r9, r0, inv
        li      r8, NR
        .if     MULTI
        dfab    d6, COLOR_INV, r8, out, f32
        tfmov   d6, d5
        .endif
        .else
        dfab    d6, COLOR_INV, r8, in, f32
        tfmov   d5, d6
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+8(r0)
        # Phase scale: x_t = (x_t * inv_t) * g, in place.
        li      r3, 1
        li      r4, NC
        li      r5, XADDR
        dmem    d1, r5, r4, r3, f32
        li      r5, GADDR
        dmem    d7, r5, r4, r3, f32
        li      r8, IADDR
        li      r11, NR
sc:     lw      r9, 0(r8)
        tfmuls  d1, d1, r9
        tfmul   d1, d1, d7
        addi    r8, r8, 4
        dadd    d1, r6
        addi    r11, r11, -1
        bne     r11, r0, sc
        csrr    r10, cycle
        sw      r10, STAMPS+12(r0)
        .if     STREAM_OUT
        li      r5, XADDR
        li      r8, NR
yout:   dmem    d1, r5, r4, r3, f32
        dfab    d2, COLOR_OUT, r4, out, f32
        tfmov   d2, d1
        add     r5, r5, r6
        addi    r8, r8, -1
        bne     r8, r0, yout
        .endif
        halt
        .if     LAST
        .include "rsqrt_f32.s"
        .endif
