# A tile of the SiLU-multiply plan (y = silu(g) * u = g / (1 + exp(-g)) * u, docs/mapping.md):
# the sigmoid of each gate element one by one (exp_f32.s, then 1/a as rsqrt_f32(a)^2: the PE
# has no divide), then two tensor products over the tile's piece. No routes.
#
# Parameters:
#   N                 elements of the tile's piece
#   GADDR, UADDR      g's and u's pieces
#   SADDR             the sigmoids; y is written over them
#   STAMPS            two cycle stamps: sigmoids done, products done
#   STREAM            1: the piece's g then its u arrive on COLOR_IN first, and y leaves on
#                     COLOR_OUT at the end (a chained kernel; a GEMV's row sends them so)

# 1 + exp(-g) is capped at 2^126 (binary32 bits), so that rsqrt_f32 sees a normal number.
        .equ    CAP, 0x7e800000
main:
        .if     STREAM
        li      r3, 1
        li      r4, N
        dfab    d3, COLOR_IN, r4, in, f32
        li      r5, GADDR
        dmem    d1, r5, r4, r3, f32
        tfmov   d1, d3
        li      r5, UADDR
        dmem    d1, r5, r4, r3, f32
        tfmov   d1, d3
        .endif
        li      r8, GADDR
        li      r11, SADDR
        li      r9, N
        lif     r12, 1.0
        li      r13, CAP
sig:    lw      r1, 0(r8)
        fsub    r1, r0, r1              # -g
        call    exp_f32
        fadd    r1, r1, r12             # 1 + exp(-g)
        fmin    r1, r1, r13
        call    rsqrt_f32
        fmul    r1, r1, r1              # sigmoid(g) = 1 / (1 + exp(-g))
        sw      r1, 0(r11)
        addi    r8, r8, 4
        addi    r11, r11, 4
        addi    r9, r9, -1
        bne     r9, r0, sig
        csrr    r10, cycle
        sw      r10, STAMPS(r0)
        li      r3, 1
        li      r4, N
        li      r5, SADDR
        dmem    d1, r5, r4, r3, f32
        li      r5, GADDR
        dmem    d2, r5, r4, r3, f32
        li      r5, UADDR
        dmem    d3, r5, r4, r3, f32
        tfmul   d1, d1, d2              # silu(g)
        tfmul   d1, d1, d3              # times u
        .if     STREAM
        dfab    d4, COLOR_OUT, r4, out, f32
        li      r5, SADDR
        dmem    d1, r5, r4, r3, f32
        tfmov   d4, d1
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+4(r0)
        halt
        .include "exp_f32.s"
        .include "rsqrt_f32.s"
