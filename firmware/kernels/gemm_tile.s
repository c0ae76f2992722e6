# A tile of the GEMM plan (C = A B the SUMMA way, docs/mapping.md): the tile owns a ROWS x
# COLS block of C. For each panel of k it takes its rows of A's panel (from the west, on
# COLOR_A) and its columns of B's panel (from the north, on COLOR_B), then one dot product per
# element of the block, stored in C by the first panel and added to it by the later ones.
# At the end C's rows go east: each row so far from the west, then the tile's own piece.
# Routes are the plan's (set up before main).
#
# Parameters:
#   ROWS, COLS        the block of C: rows (of A's panel) and columns (of B's panel)
#   CADDR             the block, binary32, row-major (a row is 4 COLS bytes)
#   AADDR, BADDR      A's panel (ROWS rows) and B's panel (COLS columns)
#   PANEL_ROW         bytes from one panel row (column) to the next: whole bank rows
#   DT                32 or 16: A and B stored as binary32 or binary16 (sums binary32)
#   KB                the first panel's width, and the middle ones' (all of k: one panel)
#   MIDDLE            how many middle panels (all but the first and the last; 0 or more)
#   KLAST             the last panel's width (0: the first panel is the only one)
#   COLOR_A, COLOR_B  A's rows and B's columns
#   FIRST             1 in the region's west column (no row of C comes from the west)
#   WEST_COLS         elements of each row of C that come from the west (when FIRST is 0)
#   COLOR_WEST        C's rows from the west (when FIRST is 0)
#   COLOR_EAST        C's rows to the east
#   STAMPS            three cycle stamps: first panels in, products done, C sent; a fourth
#                     word, STAMPS+16, takes the later panels' arrival stamps
#
# Registers kept across the panels: r3 = 1, r13 = PANEL_ROW, r11 = where the next arrival
# stamp goes (the first panel's, then the scratch word), r1 = middle panels left.

# A panel row crosses the fabric in whole words: binary16 elements two to a word.
        .if     DT - 16
        .equ    KB_WORDS, KB
        .equ    KLAST_WORDS, KLAST
        .else
        .equ    KB_WORDS, (KB + 1) / 2
        .equ    KLAST_WORDS, (KLAST + 1) / 2
        .endif
        .equ    SCRATCH, STAMPS+16
        .text
main:   li      r3, 1
        li      r13, PANEL_ROW
        li      r11, STAMPS

        # The first panel: stored in C.
        li      r12, KB_WORDS
        dfab    d0, COLOR_A, r12, in, f32   # A's rows from the west
        li      r5, AADDR
        dmem    d1, r5, r12, r3, f32
        li      r6, ROWS
a_first: tfmov  d1, d0
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, a_first
        dfab    d0, COLOR_B, r12, in, f32   # B's columns from the north
        li      r5, BADDR
        dmem    d1, r5, r12, r3, f32
        li      r6, COLS
b_first: tfmov  d1, d0
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, b_first
        csrr    r10, cycle
        sw      r10, 0(r11)
        li      r11, SCRATCH                # only the first panel's arrival is kept
        li      r2, KB
        li      r5, AADDR
        dmem    d1, r5, r2, r3, DT          # A's row i
        li      r7, CADDR
        li      r6, ROWS
i_first: li     r5, BADDR
        dmem    d2, r5, r2, r3, DT          # B's column j
        li      r8, COLS
j_first: tfdot  r9, d1, d2
        sw      r9, 0(r7)
        addi    r7, r7, 4
        dadd    d2, r13
        addi    r8, r8, -1
        bne     r8, r0, j_first
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, i_first

        # The middle panels, KB wide: added to C.
        .if     MIDDLE
        li      r1, MIDDLE
middle: li      r12, KB_WORDS
        dfab    d0, COLOR_A, r12, in, f32
        li      r5, AADDR
        dmem    d1, r5, r12, r3, f32
        li      r6, ROWS
a_mid:  tfmov   d1, d0
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, a_mid
        dfab    d0, COLOR_B, r12, in, f32
        li      r5, BADDR
        dmem    d1, r5, r12, r3, f32
        li      r6, COLS
b_mid:  tfmov   d1, d0
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, b_mid
        csrr    r10, cycle
        sw      r10, 0(r11)
        li      r11, SCRATCH
        li      r2, KB
        li      r5, AADDR
        dmem    d1, r5, r2, r3, DT
        li      r7, CADDR
        li      r6, ROWS
i_mid:  li      r5, BADDR
        dmem    d2, r5, r2, r3, DT
        li      r8, COLS
j_mid:  tfdot   r9, d1, d2
        lw      r10, 0(r7)
        fadd    r9, r10, r9                 # C so far plus this panel's product
        sw      r9, 0(r7)
        addi    r7, r7, 4
        dadd    d2, r13
        addi    r8, r8, -1
        bne     r8, r0, j_mid
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, i_mid
        addi    r1, r1, -1
        bne     r1, r0, middle
        .endif

        # The last panel, KLAST wide: added to C.
        .if     KLAST
        li      r12, KLAST_WORDS
        dfab    d0, COLOR_A, r12, in, f32
        li      r5, AADDR
        dmem    d1, r5, r12, r3, f32
        li      r6, ROWS
a_last: tfmov   d1, d0
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, a_last
        dfab    d0, COLOR_B, r12, in, f32
        li      r5, BADDR
        dmem    d1, r5, r12, r3, f32
        li      r6, COLS
b_last: tfmov   d1, d0
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, b_last
        csrr    r10, cycle
        sw      r10, 0(r11)
        li      r11, SCRATCH
        li      r2, KLAST
        li      r5, AADDR
        dmem    d1, r5, r2, r3, DT
        li      r7, CADDR
        li      r6, ROWS
i_last: li      r5, BADDR
        dmem    d2, r5, r2, r3, DT
        li      r8, COLS
j_last: tfdot   r9, d1, d2
        lw      r10, 0(r7)
        fadd    r9, r10, r9
        sw      r9, 0(r7)
        addi    r7, r7, 4
        dadd    d2, r13
        addi    r8, r8, -1
        bne     r8, r0, j_last
        dadd    d1, r13
        addi    r6, r6, -1
        bne     r6, r0, i_last
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS+4(r0)

        # C's rows east: row i of the block after the row so far from the west.
        li      r6, ROWS
        li      r4, COLS
        li      r5, CADDR
        dmem    d4, r5, r4, r3, f32         # C's row i of the block
        dfab    d5, COLOR_EAST, r4, out, f32
        li      r14, 4*COLS
        .if     FIRST
cout:   tfmov   d5, d4
        .else
        li      r12, WEST_COLS
        dfab    d6, COLOR_WEST, r12, in, f32    # the row so far
        dfab    d7, COLOR_EAST, r12, out, f32
cout:   tfmov   d7, d6
        tfmov   d5, d4
        .endif
        dadd    d4, r14
        addi    r6, r6, -1
        bne     r6, r0, cout
        csrr    r10, cycle
        sw      r10, STAMPS+8(r0)
        halt
