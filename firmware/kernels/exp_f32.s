# exp_f32: r1 = exp(r1), binary32. Clobbers r2..r7 and r15 is the return address.
# Range reduction x = k ln2 + r with k = round(x log2 e) and |r| <= ln2/2 (ln2 split in a high
# and a low part so r is nearly exact), exp(r) by its degree-6 Taylor polynomial (error
# below 1.2e-7 relative), then times 2^k applied in two halves so results that overflow or
# become subnormal round correctly. x > 88.73 gives infinity, x < -103.98 zero; NaN stays NaN.
exp_f32:
        feq     r2, r1, r1
        beq     r2, r0, exp_done        # NaN
        lif     r2, 88.73
        flt     r3, r2, r1
        bne     r3, r0, exp_inf
        lif     r2, -103.98
        flt     r3, r1, r2
        bne     r3, r0, exp_zero
        lif     r2, 1.44269504          # log2(e)
        fmul    r3, r1, r2
        lif     r2, 12582912.0          # 1.5 * 2^23: adding and subtracting rounds to an integer
        fadd    r3, r3, r2
        fsub    r3, r3, r2              # k, as a float
        fcvt.w.s r4, r3                 # k
        lif     r2, -0.693145752        # -ln2, high part
        ffma    r5, r3, r2, r1
        lif     r2, -1.42860677e-6      # -ln2, low part
        ffma    r5, r3, r2, r5          # r
        lif     r6, 0.00138888889       # 1/720
        lif     r2, 0.00833333333       # 1/120
        ffma    r6, r6, r5, r2
        lif     r2, 0.0416666667        # 1/24
        ffma    r6, r6, r5, r2
        lif     r2, 0.166666667         # 1/6
        ffma    r6, r6, r5, r2
        lif     r2, 0.5
        ffma    r6, r6, r5, r2
        lif     r2, 1.0
        ffma    r6, r6, r5, r2
        ffma    r6, r6, r5, r2          # p(r)
        srai    r7, r4, 1               # k = k1 + k2, both within the normal exponents
        sub     r4, r4, r7
        slli    r7, r7, 23
        add     r6, r6, r7              # p * 2^k1 (exact)
        addi    r4, r4, 127
        slli    r4, r4, 23              # 2^k2
        fmul    r1, r6, r4              # rounds once, to a subnormal or infinity if need be
exp_done:
        ret
exp_inf:
        lui     r1, 0x1fe000            # +infinity
        ret
exp_zero:
        li      r1, 0
        ret
