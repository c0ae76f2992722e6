# Attention's 1/l, inline (decode's root and prefill's normalize include it in their loops):
# r13 = 1/r12 for l = r12 >= 1, by Newton's iteration from a first guess made of its bits
# (0x7ef311c3 - bits), four steps of r13 = r13 (2 - l r13) with r14 = -l, as softmax.s.
# Clobbers r2, r7, r11 and r14; label nw.
        li      r2, 0x7ef311c3
        sub     r13, r2, r12
        lui     r2, 0x200000
        xor     r14, r12, r2
        lif     r2, 2.0
        li      r11, 4
nw:     ffma    r7, r14, r13, r2
        fmul    r13, r13, r7
        addi    r11, r11, -1
        bne     r11, r0, nw
