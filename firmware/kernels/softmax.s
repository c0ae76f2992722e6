# Softmax of a binary32 vector on one tile: y = exp(x - max x) / sum of exp(x - max x).
# The maximum, the shift, the sum and the scaling are tensor instructions; exp is exp_f32
# per element; 1/sum is Newton's iteration y = y (2 - s y) from a bit-trick first guess.
# Inputs: n (1..2048), x. Output: y.
        .text
main:   li      r1, n
        lw      r9, 0(r1)
        li      r3, 1
        li      r4, x
        dmem    d1, r4, r9, r3, f32
        li      r4, y
        dmem    d2, r4, r9, r3, f32
        tfmaxr  r10, d1                 # m
        lui     r2, 0x200000            # sign bit
        xor     r10, r10, r2            # -m
        tfadds  d2, d1, r10             # y = x - m
        li      r8, y
        mv      r11, r9
loop:   beq     r11, r0, scale
        lw      r1, 0(r8)
        call    exp_f32
        sw      r1, 0(r8)
        addi    r8, r8, 4
        addi    r11, r11, -1
        j       loop
scale:  tfsum   r12, d2                 # s
        li      r2, 0x7ef311c3          # first guess of 1/s from its bits
        sub     r13, r2, r12
        lui     r2, 0x200000
        xor     r14, r12, r2            # -s
        lif     r2, 2.0
        li      r11, 4
newton: ffma    r3, r14, r13, r2        # 2 - s y
        fmul    r13, r13, r3
        addi    r11, r11, -1
        bne     r11, r0, newton
        tfmuls  d2, d2, r13             # y = y / s
        halt

        .include "exp_f32.s"

        .data
n:      .word   0
x:      .space  8192
y:      .space  8192
