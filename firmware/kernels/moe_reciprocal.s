# Inlined where it is included (not a subroutine) by the MoE programs: r4 = 1/r1 for r1 >= 1,
# binary32, by Newton's iteration y = y (2 - s y) four times from a first guess made of r1's
# bits (as softmax.s does). Clobbers r2, r5 and r6.
        li      r2, 0x7ef311c3              # first guess of 1/s from its bits
        sub     r4, r2, r1
        lui     r2, 0x200000                # sign bit
        xor     r5, r1, r2                  # -s
        lif     r2, 2.0
        ffma    r6, r5, r4, r2              # 2 - s y
        fmul    r4, r4, r6
        ffma    r6, r5, r4, r2
        fmul    r4, r4, r6
        ffma    r6, r5, r4, r2
        fmul    r4, r4, r6
        ffma    r6, r5, r4, r2
        fmul    r4, r4, r6
