# Element-wise exp of a binary32 vector, in place, with exp_f32.
# Inputs: n (<= 2048), x. Output: x.
        .text
main:   li      r1, n
        lw      r9, 0(r1)
        li      r8, x
loop:   beq     r9, r0, done
        lw      r1, 0(r8)
        call    exp_f32
        sw      r1, 0(r8)
        addi    r8, r8, 4
        addi    r9, r9, -1
        j       loop
done:   halt

        .include "exp_f32.s"

        .data
n:      .word   0
x:      .space  8192
