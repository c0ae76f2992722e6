# A tile of the GEMV plan (y = W x, docs/mapping.md): x's piece arrives from the north, a
# dot product per row of the tile's block of W, then the row sums so far come from the west,
# this tile's are added, and they go on east. Routes are the plan's (set up before main).
#
# Parameters:
#   NC, MR        columns and rows of the tile's block of W
#   XADDR, PADDR  x's piece, the partial sums (binary32)
#   WADDR, WROW   the block's first row and the bytes from one row to the next
#   DT            32 or 16: W and x stored as binary32 or binary16 (sums binary32)
#   XT            32 or 16: x as it arrives (32 with DT 16: a chained producer's binary32,
#                 rounded to binary16 as it is stored)
#   COLOR_X       x's color
#   FIRST         1 in the region's west column (no sums come from the west)
#   COLOR_WEST    the sums' color from the west (when FIRST is 0)
#   COLOR_EAST    the sums' color to the east
#   STAMPS        three cycle stamps: x received, dot products done, sums sent
        .text
main:   li      r3, 1
        li      r4, NC
        dfab    d1, COLOR_X, r4, in, XT     # x's piece, from the north
        li      r5, XADDR
        dmem    d2, r5, r4, r3, DT
        tfmov   d2, d1
        csrr    r10, cycle
        sw      r10, STAMPS(r0)
        li      r5, WADDR
        dmem    d3, r5, r4, r3, DT          # row 0 of the block
        li      r6, WROW
        li      r7, PADDR
        li      r8, MR
row:    tfdot   r9, d3, d2
        sw      r9, 0(r7)
        addi    r7, r7, 4
        dadd    d3, r6                      # next row
        addi    r8, r8, -1
        bne     r8, r0, row
        csrr    r10, cycle
        sw      r10, STAMPS+4(r0)
        li      r8, MR
        li      r5, PADDR
        dmem    d4, r5, r8, r3, f32         # this tile's partial sums
        dfab    d5, COLOR_EAST, r8, out, f32
        .if     FIRST
        tfmov   d5, d4
        .else
        dfab    d6, COLOR_WEST, r8, in, f32 # the sums so far, from the west
        tfadd   d5, d6, d4
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+8(r0)
        halt
