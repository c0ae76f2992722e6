# Maximum and sum of a binary32 vector (two tensor reductions).
# Inputs: n (<= 2048), x. Outputs: max, sum.
        .text
main:   li      r1, n
        lw      r2, 0(r1)
        li      r3, 1
        li      r4, x
        dmem    d1, r4, r2, r3, f32
        tfmaxr  r5, d1
        tfsum   r6, d1
        sw      r5, 4(r1)
        sw      r6, 8(r1)
        halt

        .data
n:      .word   0
max:    .word   0
sum:    .word   0
x:      .space  8192
