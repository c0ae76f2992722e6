# An expert tile of the MoE plan (docs/mapping.md, MoE layer): every region tile but the gate's
# holds HIDDEN of expert EXPERT's hidden units (their rows of W1, W3 and W2). It takes the tokens
# its expert needs from the dispatch into their records, computes its hidden units for each token
# its expert was chosen for (SwiGLU, the token's weight folded in) and adds them into its partial
# output for the token, then passes the sum of the partial outputs on along the combine's snake.
# Routes are the plan's (set up before main).
#
# A token's record: its E binary32 weights (this expert's non-zero if chosen), then the token.
# Dispatch, static (DYNAMIC 0): every token comes with its E weights on COLOR_DISPATCH. Dynamic
# (DYNAMIC 1): the expert's first tile (LEADER 1) takes packets on COLOR_DISPATCH (head, the
# token's index, its weight, the token; a head tagged 1 ends them) and, with RELAYS 1, relays
# index, weight and token on COLOR_RELAY along the expert's other tiles, which take them from
# there (LEADER 0), ending with an index of -1.
#
# Parameters:
#   D, T, E           elements per token, tokens, experts
#   DT                32 or 16: tokens and weights (W1, W3, W2) binary32 or binary16 (the
#                     arithmetic, h and the partial outputs binary32)
#   EXPERT            the tile's expert
#   HIDDEN            its hidden units (0: the tile only passes the combine on)
#   RECS, REC, XOFF   the first token's record, the bytes from one record to the next, the
#                     token's offset in its record
#   YADDR             the partial outputs, T x D binary32, zero on loading
#   HADDR             h: HIDDEN binary32 words (silu(g) up times the token's weight)
#   W1ADDR, W3ADDR    the gate and up projections' rows, ROW bytes apart
#   ROW               bytes from one row of W1 (W3) to the next
#   W2ADDR, W2BLOCK   the down projection's rows, a row (binary32) or two interleaved rows
#                     (binary16: unit 2i in the low halves, 2i + 1 in the high) to a block of
#                     W2BLOCK bytes
#   STAMPS            four cycle stamps: the first token here, every token here, the hidden
#                     units done, the combine passed
#   SAVE_G            a word for g across the exp call
#   COLOR_DISPATCH    the dispatch (static multicast, or dynamic packets)
#   DYNAMIC           1: dynamic dispatch, 0: static
#   LEADER            1: the expert's first tile (DYNAMIC 1)
#   RELAYS            1: the first tile relays to the expert's other tiles (DYNAMIC 1)
#   COLOR_RELAY       the relay along the expert's tiles (DYNAMIC 1)
#   TAG_SHIFT         the first bit of a packet head's tag (DYNAMIC 1)
#   FIRST             1: the combine's first tile (no sum comes in)
#   COLOR_IN          the sum so far, from the previous tile on the snake (FIRST 0)
#   COLOR_OUT         the sum, on to the next tile (or out of the region)
        .equ    F16, (32 - DT) / 16         # 1: binary16 tokens and weights
        .text
main:   li      r14, 1
        .if     DYNAMIC
        li      r11, D
        .if     LEADER
        .if     RELAYS
        dfab    d6, COLOR_RELAY, r11, out, DT   # relayed to the expert's other tiles
        .endif
        dfab    d0, COLOR_DISPATCH, r11, in, DT # a packet's token (its tail the last element)
        recv    r1, COLOR_DISPATCH          # a packet's head
        csrr    r10, cycle
        sw      r10, STAMPS(r0)             # the first packet (or the end) is here
pkt:    srli    r1, r1, TAG_SHIFT
        bne     r1, r0, rxdone              # tag 1: no more tokens
        recv    r2, COLOR_DISPATCH          # the token's index
        recv    r3, COLOR_DISPATCH          # its weight for this expert
        li      r4, REC                     # token r2's weight r3 and its x from d0 in its record
        mul     r4, r2, r4
        addi    r4, r4, RECS
        sw      r3, 4*EXPERT(r4)
        addi    r4, r4, XOFF
        dmem    d2, r4, r11, r14, DT
        tfmov   d2, d0
        .if     RELAYS
        send    r2, COLOR_RELAY
        send    r3, COLOR_RELAY
        tfmov   d6, d2
        .endif
        recv    r1, COLOR_DISPATCH
        j       pkt
rxdone:
        .if     RELAYS
        li      r2, -1
        send    r2, COLOR_RELAY             # the end
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+4(r0)
        .else
        dfab    d0, COLOR_RELAY, r11, in, DT    # a token relayed by the expert's first tile
        recv    r2, COLOR_RELAY             # its index, or -1: no more tokens
        csrr    r10, cycle
        sw      r10, STAMPS(r0)
relay:  blt     r2, r0, rxdone
        recv    r3, COLOR_RELAY             # its weight for this expert
        li      r4, REC                     # token r2's weight r3 and its x from d0 in its record
        mul     r4, r2, r4
        addi    r4, r4, RECS
        sw      r3, 4*EXPERT(r4)
        addi    r4, r4, XOFF
        dmem    d2, r4, r11, r14, DT
        tfmov   d2, d0
        recv    r2, COLOR_RELAY
        j       relay
rxdone: csrr    r10, cycle
        sw      r10, STAMPS+4(r0)
        .endif
        .else
        li      r13, REC
        li      r12, E
        li      r11, D
        dfab    d0, COLOR_DISPATCH, r12, in, f32    # a token's weights
        dfab    d5, COLOR_DISPATCH, r11, in, DT     # the token
        li      r1, RECS
        dmem    d1, r1, r12, r14, f32
        addi    r1, r1, XOFF
        dmem    d2, r1, r11, r14, DT
        tfmov   d1, d0
        csrr    r10, cycle
        sw      r10, STAMPS(r0)             # the gate's first choice is here
        tfmov   d2, d5
        li      r10, T-1
        beq     r10, r0, rxdone
rx:     dadd    d1, r13
        dadd    d2, r13
        tfmov   d1, d0
        tfmov   d2, d5
        addi    r10, r10, -1
        bne     r10, r0, rx
rxdone: csrr    r10, cycle
        sw      r10, STAMPS+4(r0)
        .endif
        .if     HIDDEN
        # Per token: r8 points at its record, r9 at its partial output, r10 counts the tokens left.
        li      r8, RECS
        li      r9, YADDR
        li      r10, T
tok:    lw      r11, 4*EXPERT(r8)           # this expert's weight for the token (0: not chosen)
        beq     r11, r0, next
        addi    r1, r8, XOFF
        li      r2, D
        dmem    d3, r1, r2, r14, DT         # x
        li      r1, W1ADDR
        dmem    d1, r1, r2, r14, DT         # gate projection, hidden unit i
        li      r1, W3ADDR
        dmem    d2, r1, r2, r14, DT         # up projection
        li      r12, HIDDEN
        li      r13, HADDR
hid:    tfdot   r1, d2, d3
        sw      r1, 0(r13)                  # up
        tfdot   r1, d1, d3                  # g
        li      r2, ROW
        dadd    d1, r2
        dadd    d2, r2
        sw      r1, SAVE_G(r0)
        lui     r2, 0x200000
        xor     r1, r1, r2                  # -g
        lif     r2, 80.0
        fmin    r1, r1, r2                  # exp(-g) stays finite
        call    exp_f32
        lif     r2, 1.0
        fadd    r1, r1, r2                  # 1 + exp(-g)
        .include "moe_reciprocal.s"         # r4 = 1 / (1 + exp(-g))
        lw      r1, SAVE_G(r0)
        fmul    r1, r1, r4                  # silu(g)
        lw      r2, 0(r13)
        fmul    r1, r1, r2                  # silu(g) up
        fmul    r1, r1, r11                 # times the token's weight: the combine's scaling
        sw      r1, 0(r13)
        addi    r13, r13, 4
        addi    r12, r12, -1
        bne     r12, r0, hid
        # The down projection: one tfmac a hidden unit, h_i W2[i, :] into the partial output.
        li      r1, W2ADDR
        li      r2, D
        .if     F16
        li      r3, 2
        dmem    d1, r1, r2, r3, f16         # down projection, hidden unit 2i
        dmem    d4, r9, r2, r14, f32        # this tile's part of y for the token
        li      r13, HADDR
        .if     HIDDEN / 2
        li      r12, HIDDEN / 2
        li      r5, W2BLOCK - 2
down:   lw      r1, 0(r13)
        tfmac   d4, d4, d1, r1
        dadd    d1, r3                      # unit 2i + 1: the high halves
        lw      r1, 4(r13)
        tfmac   d4, d4, d1, r1
        dadd    d1, r5                      # the next block
        addi    r13, r13, 8
        addi    r12, r12, -1
        bne     r12, r0, down
        .endif
        .if     HIDDEN % 2
        lw      r1, 0(r13)                  # an odd unit last
        tfmac   d4, d4, d1, r1
        .endif
        .else
        dmem    d1, r1, r2, r14, f32        # down projection, hidden unit i
        dmem    d4, r9, r2, r14, f32        # this tile's part of y for the token
        li      r12, HIDDEN
        li      r13, HADDR
        li      r5, W2BLOCK
down:   lw      r1, 0(r13)
        tfmac   d4, d4, d1, r1
        dadd    d1, r5
        addi    r13, r13, 4
        addi    r12, r12, -1
        bne     r12, r0, down
        .endif
next:   addi    r8, r8, REC
        addi    r9, r9, 4*D
        addi    r10, r10, -1
        bne     r10, r0, tok
        .endif
        # The combine: the sum so far from the previous tile plus this tile's, on.
        csrr    r10, cycle
        sw      r10, STAMPS+8(r0)
        li      r1, YADDR
        li      r2, T*D
        dmem    d4, r1, r2, r14, f32
        dfab    d6, COLOR_OUT, r2, out, f32
        .if     FIRST
        tfmov   d6, d4
        .else
        dfab    d7, COLOR_IN, r2, in, f32   # the sum so far
        tfadd   d6, d7, d4
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+12(r0)
        halt
        .if     HIDDEN
        .include "exp_f32.s"
        .endif
