# A tile of the band RoPE plan (docs/mapping.md, attention_block): one attention band's slice
# of the QKV projection arrives on COLOR_IN, its query heads (QHEADS x HD) then, per kv group,
# the new token's K row and V row (HD each). Every query head and every K row is rotated in
# place, interleaved pairs (x_e, x_o) by the table of cos and sin at the token's position:
#   y_e = x_e cos - x_o sin,   y_o = x_e sin + x_o cos
# then the queries leave on COLOR_Q and the K and V rows on COLOR_KV, as the attention band's
# tile takes them.
#
# Parameters:
#   QHEADS, KHEADS    query heads and kv groups of the band
#   HD                head dimension (even)
#   XADDR             the slice; rotated in place
#   CSADDR            cos and sin of each pair's angle, interleaved (HD words)
#   T1ADDR, T2ADDR    scratch, HD / 2 words each
#   COLOR_IN, COLOR_Q, COLOR_KV
#   STAMPS            two cycle stamps: slice received, rotated and sent
        .equ    NIN, (QHEADS + 2 * KHEADS) * HD
        .equ    HEADB, 4 * HD
main:   li      r3, 2
        li      r7, 1
        lif     r6, -1.0
        li      r4, NIN
        dfab    d6, COLOR_IN, r4, in, f32
        li      r5, XADDR
        dmem    d7, r5, r4, r7, f32
        tfmov   d7, d6
        csrr    r10, cycle
        sw      r10, STAMPS(r0)
        li      r8, XADDR
        li      r9, QHEADS
        beq     r9, r0, keys
qloop:  call    rotate
        addi    r8, r8, HEADB
        addi    r9, r9, -1
        bne     r9, r0, qloop
keys:   li      r9, KHEADS
        beq     r9, r0, send
kloop:  call    rotate
        addi    r8, r8, 2 * HEADB       # past this group's V row to the next K row
        addi    r9, r9, -1
        bne     r9, r0, kloop
send:   li      r4, QHEADS * HD
        beq     r4, r0, sendkv
        dfab    d6, COLOR_Q, r4, out, f32
        li      r5, XADDR
        dmem    d7, r5, r4, r7, f32
        tfmov   d6, d7
sendkv: li      r4, 2 * KHEADS * HD
        beq     r4, r0, done
        dfab    d6, COLOR_KV, r4, out, f32
        li      r5, XADDR + QHEADS * HEADB
        dmem    d7, r5, r4, r7, f32
        tfmov   d6, d7
done:   csrr    r10, cycle
        sw      r10, STAMPS+4(r0)
        halt

# Rotates the head at r8 (HD / 2 pairs); keeps the table. Clobbers r4, r5, d1..d6.
rotate: li      r4, HD / 2
        dmem    d1, r8, r4, r3, f32     # x_e
        addi    r5, r8, 4
        dmem    d2, r5, r4, r3, f32     # x_o
        li      r5, CSADDR
        dmem    d3, r5, r4, r3, f32     # cos
        li      r5, CSADDR+4
        dmem    d4, r5, r4, r3, f32     # sin
        li      r5, T1ADDR
        dmem    d5, r5, r4, r7, f32
        li      r5, T2ADDR
        dmem    d6, r5, r4, r7, f32
        tfmul   d5, d2, d4              # x_o sin
        tfmul   d6, d1, d4              # x_e sin
        tfmul   d1, d1, d3              # x_e cos
        tfmac   d1, d1, d5, r6          # y_e = x_e cos - x_o sin, one rounding
        tfmul   d2, d2, d3              # x_o cos
        tfadd   d2, d2, d6              # y_o = x_o cos + x_e sin
        ret
