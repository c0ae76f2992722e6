# gemv_rows.s with binary16 weights and vector and binary32 accumulation: every operand of
# the dot products is an f16 array, so the tensor path runs its SimdWidth lanes.
        .equ    ESIZE, 2
        .text
main:   li      r1, rows
        lw      r2, 0(r1)               # rows
        lw      r3, 4(r1)               # cols
        li      r4, 1
        li      r5, W
        dmem    d1, r5, r3, r4, f16
        li      r5, x
        dmem    d2, r5, r3, r4, f16
        li      r6, ESIZE
        mul     r6, r6, r3
        li      r7, y
row:    beq     r2, r0, done
        tfdot   r8, d1, d2
        sw      r8, 0(r7)
        addi    r7, r7, 4
        dadd    d1, r6
        addi    r2, r2, -1
        j       row
done:   halt

        .data
rows:   .word   0
cols:   .word   0
y:      .space  512
x:      .space  4096
        .space  8                  # pad: a step's two words of W and of x in four banks
W:      .space  32768
