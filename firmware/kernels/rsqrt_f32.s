# rsqrt_f32: r1 = 1/sqrt(r1), binary32, for r1 a positive normal number of at least 2^-125
# (a/2 is then exact). Clobbers r2..r5; r15 is the return address.
# The integer guess 0x5f3759df - (bits >> 1) is within 3.5% of the answer; each Newton step
# y (1.5 - a y^2 / 2) turns a relative error e into 1.5 e^2 + 0.5 e^3 (from below), so three
# steps leave 1.5 (1.5 (1.5 * 0.035^2)^2)^2 < 4e-11 of the mathematics. The last step rounds
# -a y / 2 (u), the fused 1.5 - a y^2 / 2 (u, on a value near 1) and the product (u): at most
# 2.5u + 4e-11 < 3u relative in all (u = 2^-24); docs/mapping.md, rmsnorm.
rsqrt_f32:
        srli    r2, r1, 1
        li      r3, 0x5f3759df
        sub     r2, r3, r2              # y0
        lif     r3, -0.5
        fmul    r3, r1, r3              # -a/2 (exact)
        lif     r4, 1.5
        li      r5, 3
rsqrt_step:
        fmul    r1, r3, r2              # -a y / 2
        ffma    r1, r1, r2, r4          # 1.5 - a y^2 / 2, one rounding
        fmul    r2, r2, r1
        addi    r5, r5, -1
        bne     r5, r0, rsqrt_step
        mv      r1, r2
        ret
