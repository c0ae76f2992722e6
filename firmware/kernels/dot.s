# Dot product: result = sum of x[i] * y[i], binary32, one tensor instruction.
# Inputs: n (<= 2048), x, y. Output: result.
        .text
main:   li      r1, n
        lw      r2, 0(r1)
        li      r3, 1
        li      r4, x
        dmem    d1, r4, r2, r3, f32
        li      r4, y
        dmem    d2, r4, r2, r3, f32
        tfdot   r5, d1, d2
        li      r4, result
        sw      r5, 0(r4)
        halt

        .data
n:      .word   0
result: .word   0
x:      .space  8192
        .space  4                  # pad: x[i] and y[i] in neighbouring banks
y:      .space  8192
