# A tile of the attention prefill plan (docs/mapping.md): causal attention over the prompt.
# The tile keeps a record per (group, head, own token) = [position, running max, running sum,
# pad | q (a padded row) | O (likewise)]. Each of its GROUPS groups' K and V arrive in chunks
# of up to CHUNK keys (the chunk's K rows, then its V rows); every record that sees any of a
# chunk's keys (key position <= its own) folds them in with an online softmax. At the end
# every O is divided by its running sum, and stays in SRAM as the output. Routes are the
# plan's (set up before main).
#
# Parameters:
#   D, DT               head dimension; 32 or 16: q, K and V stored and streamed as binary32
#                       or binary16 (scores, running values and O binary32)
#   GROUPS, RPG         groups; records per group (query heads x own tokens)
#   PROMPT              prompt tokens (keys) per group
#   CHUNK, CHUNKS       keys per chunk; chunks per group
#   RECS, RB, OO        the first record, the bytes from one record to the next, and O's
#                       offset in a record (q's at 32)
#   KBUF, VBUF, SBUF    a chunk's K rows and V rows (D elements each, unpadded) and its scores
#   DB                  the bytes of a K or V row (D elements)
#   SCALE               1 / sqrt(D), binary32 bits
#   SCRATCH             five words: the chunk's first key, its keys, the rescaling factor,
#                       the chunks left, the cycles spent receiving
#   STAMPS              three words: kv_receive, compute, normalize
#   COLOR_KV            the chunks, in
        .equ    K0, SCRATCH             # the chunk's first key position
        .equ    NKEYS, SCRATCH + 4      # the chunk's keys, min(CHUNK, PROMPT - K0)
        .equ    ALPHA, SCRATCH + 8      # exp((old max - new max) / sqrt(D))
        .equ    LEFT, SCRATCH + 12      # chunks left
        .equ    RECV, SCRATCH + 16      # cycles spent taking chunks in
        .text
main:   csrr    r10, cycle
        sw      r10, RECV(r0)
        .rept   GROUPS, G
        # Group G's chunks: receive K and V, then every record that sees any of them.
        sw      r0, K0(r0)
        li      r10, CHUNKS
        sw      r10, LEFT(r0)
chunk:  lw      r10, K0(r0)
        li      r11, PROMPT
        sub     r11, r11, r10
        li      r12, CHUNK
        blt     r11, r12, short
        mv      r11, r12
short:  sw      r11, NKEYS(r0)
        csrr    r13, cycle
        li      r3, 1
        li      r4, D
        mul     r4, r4, r11
        dfab    d1, COLOR_KV, r4, in, DT
        li      r5, KBUF
        dmem    d3, r5, r4, r3, DT
        tfmov   d3, d1
        li      r5, VBUF
        dmem    d3, r5, r4, r3, DT
        tfmov   d3, d1
        csrr    r14, cycle
        sub     r14, r14, r13
        lw      r13, RECV(r0)
        add     r13, r13, r14
        sw      r13, RECV(r0)
        .if     RPG
        li      r8, RECS + G * RPG * RB
        li      r9, RPG
        # One record's work (r8 points at it): scores against the keys it may see, the new
        # running maximum, alpha = exp((old max - new max) / sqrt(D)), p = exp((s - max) /
        # sqrt(D)), l = alpha l + sum p, O = alpha O + sum p_t V_t.
rec:    lw      r12, 0(r8)
        lw      r10, K0(r0)
        sub     r12, r12, r10
        addi    r12, r12, 1             # keys this row may see: position - k0 + 1, at most n_k
        bge     r0, r12, next
        lw      r11, NKEYS(r0)
        blt     r12, r11, seen
        mv      r12, r11
seen:   li      r3, 1
        li      r4, D
        li      r5, KBUF
        dmem    d3, r5, r4, r3, DT
        addi    r5, r8, 32
        dmem    d2, r5, r4, r3, DT
        li      r7, SBUF
        li      r6, DB
        mv      r13, r12
score:  tfdot   r14, d3, d2
        sw      r14, 0(r7)
        addi    r7, r7, 4
        dadd    d3, r6
        addi    r13, r13, -1
        bne     r13, r0, score
        li      r5, SBUF
        dmem    d4, r5, r12, r3, f32
        tfmaxr  r14, d4
        lw      r13, 4(r8)
        fmax    r14, r14, r13
        sw      r14, 4(r8)
        fsub    r1, r13, r14
        li      r10, SCALE
        fmul    r1, r1, r10
        call    exp_f32
        sw      r1, ALPHA(r0)
        li      r13, SBUF
        mv      r11, r12
expo:   lw      r1, 0(r13)
        fsub    r1, r1, r14
        fmul    r1, r1, r10
        call    exp_f32
        sw      r1, 0(r13)
        addi    r13, r13, 4
        addi    r11, r11, -1
        bne     r11, r0, expo
        li      r3, 1
        li      r5, SBUF
        dmem    d4, r5, r12, r3, f32
        tfsum   r14, d4
        lw      r13, 8(r8)
        lw      r11, ALPHA(r0)
        ffma    r13, r13, r11, r14
        sw      r13, 8(r8)
        li      r4, D
        addi    r5, r8, OO
        dmem    d5, r5, r4, r3, f32
        tfmuls  d5, d5, r11
        li      r5, VBUF
        dmem    d6, r5, r4, r3, DT
        li      r6, DB
        li      r13, SBUF
        mv      r11, r12
pv:     lw      r14, 0(r13)
        tfmac   d5, d5, d6, r14
        dadd    d6, r6
        addi    r13, r13, 4
        addi    r11, r11, -1
        bne     r11, r0, pv
next:   addi    r8, r8, RB
        addi    r9, r9, -1
        bne     r9, r0, rec
        .endif
        lw      r10, K0(r0)
        addi    r10, r10, CHUNK
        sw      r10, K0(r0)
        lw      r11, LEFT(r0)
        addi    r11, r11, -1
        sw      r11, LEFT(r0)
        bne     r11, r0, chunk
        .endr
        # Phases: kv_receive (cycles spent taking chunks in, from cycle 0), compute, normalize.
        lw      r10, RECV(r0)
        sw      r10, STAMPS(r0)
        csrr    r10, cycle
        sw      r10, STAMPS+4(r0)
        .if     GROUPS * RPG
        # O /= l for every record (l >= 1).
        li      r8, RECS
        li      r9, GROUPS * RPG
        li      r3, 1
        li      r4, D
norm:   lw      r12, 8(r8)
        .include "attention_reciprocal.s"
        addi    r5, r8, OO
        dmem    d5, r5, r4, r3, f32
        tfmuls  d5, d5, r13
        addi    r8, r8, RB
        addi    r9, r9, -1
        bne     r9, r0, norm
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+8(r0)
        halt
        .if     GROUPS * RPG
        .include "exp_f32.s"
        .endif
