# Receive-multiply-accumulate: y[i] = y[i] + a * s[i] for a stream s arriving on color 1
# from the West link, as the stream comes (one tensor instruction with a fabric operand).
# Inputs: n (<= 2048), a, y; the stream. Output: y.
        .include "routes.s"
        .text
main:   li      r1, 1
        li      r2, WEST_TO_CORE
        rcfg    r1, 4, r0               # color 1 static
        rcfg    r1, 0, r2               # from West to the core
        li      r1, n
        lw      r2, 0(r1)
        lw      r5, 4(r1)               # a
        li      r3, 1
        dfab    d1, 1, r2, in, f32
        li      r4, y
        dmem    d2, r4, r2, r3, f32
        tfmac   d2, d2, d1, r5          # y[i] = y[i] + s[i] * a
        halt

        .data
n:      .word   0
a:      .word   0
y:      .space  8192
