# The gate tile of the MoE plan (docs/mapping.md, MoE layer), region tile (0,0): it takes the
# tokens from its west link, computes each token's E logits against its rows of W_g, picks the
# K largest, takes the softmax of those (a weight per expert, 0 for the others) and dispatches
# the tokens to the experts' tiles. Routes are the plan's (set up before main).
#
# Dispatch, static (DYNAMIC 0): after all tokens, each token's E weights and then the token on
# COLOR_DISPATCH, which the routes multicast to every tile. Dynamic (DYNAMIC 1): right after a
# token's weights, a packet to the first tile of each chosen expert (its head from the table at
# HEADS, the token's index, its weight, then the token, its last element the tail); after all
# tokens, a one-wavelet end packet (tag 1) to every expert.
#
# Parameters:
#   D, T              elements per token, tokens
#   E, K              experts, experts chosen per token
#   DT                32 or 16: the tokens (as stored) and W_g are binary32 or binary16
#                     (the tokens arrive binary32 and are rounded as they are stored)
#   XADDR, XROW       the tokens' first row and the bytes from one row to the next (the rows
#                     of W_g are XROW bytes apart too)
#   WGADDR            W_g's first row (expert 0's)
#   LOGITS            a token's E logits (binary32, scratch)
#   WEIGHTS           E binary32 weights per token, zero on loading (0: expert not chosen)
#   HEADS             per expert, the head of a packet to its first tile (DYNAMIC 1)
#   SAVE_MAX          a word for the largest logit
#   SAVE_SUM          a word for the sum of the chosen exponentials
#   COLOR_TOKENS      the tokens, from the west edge
#   COLOR_DISPATCH    the dispatch: static and multicast, or dynamic (routed by packet heads)
#   DYNAMIC           1: dynamic dispatch, 0: static
#   TAG_SHIFT         the first bit of a packet head's tag (tag 1: the end of the tokens)
        .equ    F16, (32 - DT) / 16         # 1: binary16 tokens and W_g
        .text
main:   li      r14, 1
        li      r12, D
        li      r13, XROW
        dfab    d0, COLOR_TOKENS, r12, in, f32  # the tokens, from the west edge
        li      r1, XADDR
        dmem    d1, r1, r12, r14, DT        # rounded to binary16 as they are stored if F16
        li      r10, T
rx:     tfmov   d1, d0
        dadd    d1, r13
        addi    r10, r10, -1
        bne     r10, r0, rx
        .if     DYNAMIC
        li      r2, D-1
        dfab    d4, COLOR_DISPATCH, r2, out, DT # a packet's body: the token but its last element
        .endif
        # The token loop: r8 points at the token, r9 at its weights, r10 counts the tokens left.
        li      r8, XADDR
        li      r9, WEIGHTS
        li      r10, T
tok:    dmem    d3, r8, r12, r14, DT        # token t
        li      r1, WGADDR
        dmem    d1, r1, r12, r14, DT        # the gate's row for expert e
        li      r2, LOGITS
        li      r3, E
        li      r4, XROW
lg:     tfdot   r1, d1, d3
        sw      r1, 0(r2)
        addi    r2, r2, 4
        dadd    d1, r4
        addi    r3, r3, -1
        bne     r3, r0, lg
        li      r11, K                      # top-k: k passes, each taking the first largest not taken
sel:    lui     r1, 0x3fe000                # -inf
        li      r2, -1
        li      r3, 0
        li      r4, LOGITS
        mv      r5, r9
scan:   lw      r6, 0(r5)
        bne     r6, r0, skip                # taken
        lw      r6, 0(r4)
        flt     r7, r1, r6
        beq     r7, r0, skip
        mv      r1, r6
        mv      r2, r3
skip:   addi    r3, r3, 1
        addi    r4, r4, 4
        addi    r5, r5, 4
        li      r6, E
        bne     r3, r6, scan
        blt     r2, r0, seldone             # only NaN left
        slli    r6, r2, 2
        add     r6, r6, r9
        li      r7, 1
        sw      r7, 0(r6)                   # a mark; the weight replaces it
        li      r7, K
        bne     r11, r7, notfirst
        sw      r1, SAVE_MAX(r0)            # the first pass finds the largest logit
notfirst:
        addi    r11, r11, -1
        bne     r11, r0, sel
seldone:
        sw      r0, SAVE_SUM(r0)            # softmax of the chosen logits
        mv      r11, r9
wl:     lw      r1, 0(r11)
        beq     r1, r0, wskip
        sub     r2, r11, r9
        lw      r1, LOGITS(r2)
        lw      r2, SAVE_MAX(r0)
        fsub    r1, r1, r2
        call    exp_f32
        sw      r1, 0(r11)
        lw      r2, SAVE_SUM(r0)
        fadd    r2, r2, r1
        sw      r2, SAVE_SUM(r0)
wskip:  addi    r11, r11, 4
        addi    r2, r9, 4*E
        bne     r11, r2, wl
        lw      r1, SAVE_SUM(r0)
        .include "moe_reciprocal.s"         # r4 = 1 / the sum
        li      r2, E
        dmem    d2, r9, r2, r14, f32
        tfmuls  d2, d2, r4                  # the weights; the others stay 0
        .if     DYNAMIC
        li      r6, T
        sub     r6, r6, r10                 # the token's index
        li      r7, HEADS
        mv      r11, r9
        li      r3, E
dsp:    lw      r1, 0(r11)                  # the token's weight for expert e (0: not chosen)
        beq     r1, r0, dspnext
        lw      r2, 0(r7)
        send    r2, COLOR_DISPATCH, head    # to the expert's first tile
        send    r6, COLOR_DISPATCH
        send    r1, COLOR_DISPATCH
        tfmov   d4, d3
        .if     F16
        lhu     r2, 2*(D-1)(r8)
        .else
        lw      r2, 4*(D-1)(r8)
        .endif
        send    r2, COLOR_DISPATCH, tail
dspnext:
        addi    r11, r11, 4
        addi    r7, r7, 4
        addi    r3, r3, -1
        bne     r3, r0, dsp
        .endif
        addi    r8, r8, XROW
        addi    r9, r9, 4*E
        addi    r10, r10, -1
        bne     r10, r0, tok
        .if     DYNAMIC
        li      r7, HEADS                   # the end of the tokens, to every expert
        li      r3, E
        li      r1, 1 << TAG_SHIFT
endtx:  lw      r2, 0(r7)
        or      r2, r2, r1
        send    r2, COLOR_DISPATCH, head, tail
        addi    r7, r7, 4
        addi    r3, r3, -1
        bne     r3, r0, endtx
        .else
        li      r2, E                       # each token's weights, then the token
        dfab    d4, COLOR_DISPATCH, r2, out, f32
        dfab    d5, COLOR_DISPATCH, r12, out, DT
        li      r1, WEIGHTS
        dmem    d1, r1, r2, r14, f32
        li      r1, XADDR
        dmem    d3, r1, r12, r14, DT
        li      r6, 4*E
        li      r10, T
tx:     tfmov   d4, d1
        tfmov   d5, d3
        dadd    d1, r6
        dadd    d3, r13
        addi    r10, r10, -1
        bne     r10, r0, tx
        .endif
        halt
        .include "exp_f32.s"
