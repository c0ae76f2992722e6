# A tile of the attention decode plan (docs/mapping.md): one new query per sequence against
# the tile's share of the KV cache. The tile holds GROUPS (sequence, kv head) groups of HPG
# query heads each, and N cache tokens of each group. It takes its heads' queries, scores its
# tokens, joins its band's chain for the maximum per head, takes p = exp((s - max) / sqrt(D)),
# l = sum p and O = sum p V, and joins the chain again for [l, O]. The band's root also
# appends the new token's K and V (its cache's last row of each group) and sends O / l out.
# Routes are the plan's (set up before main); the chain runs along a row of the band, then
# down its last column ("row" and "column" name the chain's two legs, not directions).
#
# Parameters:
#   D, HPG, GROUPS, N   head dimension, query heads per group, groups, cache tokens per group
#   DT                  32 or 16: q, K and V stored (and streamed) as binary32 or binary16
#   QADDR, ROWB         the heads' queries (a row per head) and the bytes from a q, K or V row
#                       to the next (padded to 8 words)
#   KADDR, KSTEP        group 0's K rows and the bytes from one group's K rows to the next's
#   VADDR, VSTEP        likewise for V
#   ACC                 the partial sums, binary32: l per head, then O (D words) per head
#   SADDR, LMAX         the scores (N per head) and the maximum per head, binary32
#   SCALE               1 / sqrt(D), binary32 bits
#   STAMPS              five cycle stamps, one per phase
#   ROOT                1 on the band's root (the chain's end), which appends and sends out
#   ROW_FIRST, ROW_LAST 1 at the first (last) tile of the chain's row leg
#   COL_FIRST           1 on the band's first row (no column leg comes into its last tile)
#   BAND_TILES          tiles in the band (1: no chain, no broadcast)
#   COLOR_Q             the queries, in (a row per head per group, in order)
#   COLOR_KV            the root's new K and V rows, in (K then V, group by group)
#   COLOR_ROW_IN        the chain's row leg from the previous tile (when ROW_FIRST is 0)
#   COLOR_ROW_OUT       the chain's row leg to the next tile; the root's O / l out
#   COLOR_COL_IN        the chain's column leg from the row before (last tile, COL_FIRST 0)
#   COLOR_COL_OUT       the chain's column leg to the row after (last tile, ROOT 0)
#   COLOR_MAX           the band's maximum, broadcast from the root
        .equ    HEADS, GROUPS * HPG
        .text
main:
        # Phase q_receive: the heads' queries (padded rows); the root also appends the new
        # token's K and V.
        li      r3, 1
        li      r4, D
        dfab    d1, COLOR_Q, r4, in, DT
        li      r5, QADDR
        dmem    d2, r5, r4, r3, DT
        li      r6, ROWB
        li      r8, HEADS
qin:    tfmov   d2, d1
        dadd    d2, r6
        addi    r8, r8, -1
        bne     r8, r0, qin
        .if     ROOT
        li      r4, D
        dfab    d1, COLOR_KV, r4, in, DT
        .rept   GROUPS, G
        li      r5, KADDR + G * KSTEP + (N - 1) * ROWB
        dmem    d2, r5, r4, r3, DT
        tfmov   d2, d1
        li      r5, VADDR + G * VSTEP + (N - 1) * ROWB
        dmem    d2, r5, r4, r3, DT
        tfmov   d2, d1
        .endr
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS(r0)
        # Phase scores: S[j][t] = K_t . q_j for each head j of each group, then each head's
        # maximum.
        .if     N
        .rept   GROUPS, G
        li      r4, D
        li      r5, QADDR + G * HPG * ROWB
        dmem    d2, r5, r4, r3, DT
        li      r7, SADDR + 4 * G * HPG * N
        li      r8, HPG
shead:  li      r5, KADDR + G * KSTEP
        dmem    d3, r5, r4, r3, DT
        li      r9, N
stok:   tfdot   r10, d3, d2
        sw      r10, 0(r7)
        addi    r7, r7, 4
        dadd    d3, r6
        addi    r9, r9, -1
        bne     r9, r0, stok
        dadd    d2, r6
        addi    r8, r8, -1
        bne     r8, r0, shead
        .endr
        li      r4, N
        li      r5, SADDR
        dmem    d4, r5, r4, r3, f32
        li      r7, LMAX
        li      r8, HEADS
        li      r9, 4 * N
mhead:  tfmaxr  r10, d4
        sw      r10, 0(r7)
        addi    r7, r7, 4
        dadd    d4, r9
        addi    r8, r8, -1
        bne     r8, r0, mhead
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+4(r0)
        # Phase max_allreduce: the band's maximum per head (a pipelined chain: each tile takes
        # the maxima so far, folds in its own and passes them on; the root ends with them),
        # then back to every tile.
        li      r5, LMAX
        li      r4, HEADS
        dmem    d7, r5, r4, r3, f32
        .if     ROW_LAST
        .if     ROW_FIRST
        .else
        dfab    d0, COLOR_ROW_IN, r4, in, f32
        tfmax   d7, d0, d7
        .endif
        .if     ROOT
        .if     COL_FIRST
        .else
        dfab    d0, COLOR_COL_IN, r4, in, f32
        tfmax   d7, d0, d7
        .endif
        .else
        dfab    d1, COLOR_COL_OUT, r4, out, f32
        .if     COL_FIRST
        tfmov   d1, d7
        .else
        dfab    d0, COLOR_COL_IN, r4, in, f32
        tfmax   d1, d0, d7
        .endif
        .endif
        .else
        dfab    d1, COLOR_ROW_OUT, r4, out, f32
        .if     ROW_FIRST
        tfmov   d1, d7
        .else
        dfab    d0, COLOR_ROW_IN, r4, in, f32
        tfmax   d1, d0, d7
        .endif
        .endif
        .if     BAND_TILES - 1
        li      r4, HEADS
        li      r5, LMAX
        dmem    d7, r5, r4, r3, f32
        .if     ROOT
        dfab    d1, COLOR_MAX, r4, out, f32
        tfmov   d1, d7
        .else
        dfab    d0, COLOR_MAX, r4, in, f32
        tfmov   d7, d0
        .endif
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+8(r0)
        # Phase softmax_pv: p = exp((S - max) / sqrt(D)) in place (scaling here costs a cycle
        # per score, scaling q a tensor pass over its D words per head; exp_f32 clobbers
        # r2..r7), l_j = sum of p, O_j = sum over t of p[j][t] V_t.
        .if     N
        li      r8, SADDR
        li      r12, LMAX
        li      r13, HEADS
        li      r14, SCALE
ehead:  lw      r11, 0(r12)
        li      r9, N
etok:   lw      r1, 0(r8)
        fsub    r1, r1, r11
        fmul    r1, r1, r14
        call    exp_f32
        sw      r1, 0(r8)
        addi    r8, r8, 4
        addi    r9, r9, -1
        bne     r9, r0, etok
        addi    r12, r12, 4
        addi    r13, r13, -1
        bne     r13, r0, ehead
        li      r3, 1
        li      r6, ROWB
        li      r4, N
        li      r5, SADDR
        dmem    d4, r5, r4, r3, f32
        li      r7, ACC
        li      r8, HEADS
        li      r9, 4 * N
lhead:  tfsum   r10, d4
        sw      r10, 0(r7)
        addi    r7, r7, 4
        dadd    d4, r9
        addi    r8, r8, -1
        bne     r8, r0, lhead
        li      r4, D
        li      r11, 4 * D
        .rept   GROUPS, G
        li      r8, SADDR + 4 * G * HPG * N
        li      r5, ACC + 4 * (HEADS + G * HPG * D)
        dmem    d5, r5, r4, r3, f32
        li      r13, HPG
phead:  li      r5, VADDR + G * VSTEP
        dmem    d6, r5, r4, r3, DT
        li      r9, N
ptok:   lw      r10, 0(r8)
        tfmac   d5, d5, d6, r10
        dadd    d6, r6
        addi    r8, r8, 4
        addi    r9, r9, -1
        bne     r9, r0, ptok
        dadd    d5, r11
        addi    r13, r13, -1
        bne     r13, r0, phead
        .endr
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+12(r0)
        # Phase sum_reduction: [l, O] summed along the same chain; the root divides each
        # head's O by its l on the way out.
        li      r5, ACC
        li      r4, HEADS * (D + 1)
        dmem    d7, r5, r4, r3, f32
        .if     ROW_LAST
        .if     ROW_FIRST
        .else
        dfab    d0, COLOR_ROW_IN, r4, in, f32
        tfadd   d7, d0, d7
        .endif
        .if     ROOT
        .if     COL_FIRST
        .else
        dfab    d0, COLOR_COL_IN, r4, in, f32
        tfadd   d7, d0, d7
        .endif
        .else
        dfab    d1, COLOR_COL_OUT, r4, out, f32
        .if     COL_FIRST
        tfmov   d1, d7
        .else
        dfab    d0, COLOR_COL_IN, r4, in, f32
        tfadd   d1, d0, d7
        .endif
        .endif
        .else
        dfab    d1, COLOR_ROW_OUT, r4, out, f32
        .if     ROW_FIRST
        tfmov   d1, d7
        .else
        dfab    d0, COLOR_ROW_IN, r4, in, f32
        tfadd   d1, d0, d7
        .endif
        .endif
        .if     ROOT
        li      r4, D
        li      r5, ACC + 4 * HEADS
        dmem    d5, r5, r4, r3, f32
        dfab    d1, COLOR_ROW_OUT, r4, out, f32
        li      r8, ACC
        li      r9, HEADS
        li      r10, 4 * D
nhead:  lw      r12, 0(r8)
        .include "attention_reciprocal.s"
        tfmuls  d1, d5, r13
        dadd    d5, r10
        addi    r8, r8, 4
        addi    r9, r9, -1
        bne     r9, r0, nhead
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+16(r0)
        halt
        .if     N
        .include "exp_f32.s"
        .endif
