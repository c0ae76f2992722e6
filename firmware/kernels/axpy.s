# AXPY: y = a * x + y, binary32, in place, one tensor instruction.
# Inputs: n (<= 2048), a, x, y. Output: y.
        .text
main:   li      r1, n
        lw      r2, 0(r1)
        lw      r5, 4(r1)               # a
        li      r3, 1
        li      r4, x
        dmem    d1, r4, r2, r3, f32
        li      r4, y
        dmem    d2, r4, r2, r3, f32
        tfmac   d2, d2, d1, r5          # y[i] = y[i] + x[i] * a
        halt

        .data
n:      .word   0
a:      .word   0
x:      .space  8192
        .space  4                  # pad: x[i] and y[i] in neighbouring banks
y:      .space  8192
