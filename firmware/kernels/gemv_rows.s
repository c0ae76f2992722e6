# A row block of a matrix-vector product: y[r] = sum over j of W[r][j] * x[j] for the
# rows of the block, one tensor dot product per row. W is row-major, binary32
# (gemv_rows_f16.s is the binary16 version). Inputs: rows, cols, W, x. Output: y.
        .equ    ESIZE, 4
        .text
main:   li      r1, rows
        lw      r2, 0(r1)               # rows
        lw      r3, 4(r1)               # cols
        li      r4, 1
        li      r5, W
        dmem    d1, r5, r3, r4, f32     # row 0 of W
        li      r5, x
        dmem    d2, r5, r3, r4, f32
        li      r6, ESIZE
        mul     r6, r6, r3              # bytes per row
        li      r7, y
row:    beq     r2, r0, done
        tfdot   r8, d1, d2
        sw      r8, 0(r7)
        addi    r7, r7, 4
        dadd    d1, r6                  # next row
        addi    r2, r2, -1
        j       row
done:   halt

        .data
rows:   .word   0
cols:   .word   0
y:      .space  512
x:      .space  4096
        .space  4                  # pad: W[r][j] and x[j] in neighbouring banks
W:      .space  32768
