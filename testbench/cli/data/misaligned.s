# A load from an address that is not a whole word: the tile halts with "misaligned access"
# (wafersim tile exits 1 and says so on stderr).
        li      r1, 2
        lw      r2, 0(r1)
        halt
